"""Layer 3: functions that turn calls, catalogues and stores into rich renderables. They never print.

The edge (`cpictl/cli`, `cpictl/repl`) decides where a renderable goes and whether colour is on.
"""
