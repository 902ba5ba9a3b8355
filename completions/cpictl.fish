function __cpictl_complete
    set -l offered (env _CPICTL_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=get-args \
        _TYPER_COMPLETE_ARGS=(commandline -cp) cpictl | string match -v '')
    if set -q offered[1]
        printf '%s\n' $offered
    else
        __fish_complete_path (commandline -ct)
    end
end
complete --command cpictl --no-files --arguments "(__cpictl_complete)"
