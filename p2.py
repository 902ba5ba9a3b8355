import os, time, statistics, cProfile, pstats
os.environ["XDG_STATE_HOME"]="/tmp/prof/s2"
from cpictl.session import CallSession, Target
from cpictl.render.call_view import render_call
from cpictl.render.console import make_console
OK="/work/main/tests/cpis/ok.sh"
t=Target(argv=[OK], director_uuid="b"); s=CallSession(t)
null=make_console(file=open(os.devnull,"w"))
def ours():
    o=s.call("info",[]); null.print(render_call(o,t))
import subprocess
REQ=b'{"method":"info","arguments":[],"context":{"director_uuid":"bench"},"api_version":2}'
def bare(): subprocess.run([OK], input=REQ, capture_output=True)
for _ in range(20): ours(); bare()
a=[];b=[]
for _ in range(200):
    x=time.perf_counter(); ours(); a.append(time.perf_counter()-x)
    x=time.perf_counter(); bare(); b.append(time.perf_counter()-x)
print("ours", statistics.median(a)*1000, "bare", statistics.median(b)*1000)
pr=cProfile.Profile(); pr.enable()
for _ in range(200): ours()
pr.disable(); st=pstats.Stats(pr); st.sort_stats("tottime").print_stats(18)
