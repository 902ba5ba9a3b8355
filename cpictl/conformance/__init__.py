"""Layer 2: `cpictl check` — a conformance suite that certifies a CPI against the contract, as each caller.

The suite is recipes (`recipes/`, shipped with the package: users read, copy and extend them), one per group of
checks, run by the recipe runner; nothing here prints. The API the CLI uses::

    inputs = load_inputs(path)                              # `--inputs FILE` (RecipeError: file:line problems)
    run = CheckRun(build_target, store, callers=["director", "create-env"], groups=select_groups(only),
                   variables=inputs_vars(inputs, path.parent), keep=False, observer=viewer)
    report = run.run()                                      # CheckReport: per caller, every check's result
    report.exit_code; check_json_report(report); check_junit_report(report)

Modules: groups (the shipped recipes and their order) · inputs (the inputs file: pydantic model, schema,
variables) · engine (negotiation, groups, last-resort cleanup) · results (checks, callers, the outcome, coverage)
· quirks (legal oddities, warned about) · reports (JSON and JUnit).
"""
