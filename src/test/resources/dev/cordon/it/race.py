#!/usr/bin/python3
"""race.py ROUNDS: each round starts two ask.py processes with the same transaction id, lets both
send at the same moment, and prints one line per process: NAME pid=PID port=PORT RCODE id=ID"""
import os
import subprocess
import sys

ask = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ask.py")
for i in range(int(sys.argv[1])):
    names = ["r%d-one.blocked.test" % i, "r%d-two.blocked.test" % i]
    kids = [subprocess.Popen([sys.executable, ask, n, "0x4242"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for n in names]
    ready = [k.stdout.readline().split() for k in kids]
    for k in kids:
        k.stdin.write("go\n")
        k.stdin.flush()
    for n, k, r in zip(names, kids, ready):
        answer = k.stdout.readline().split()
        k.wait(timeout=10)
        print("%s pid=%s port=%s %s %s" % (n, r[1], r[2], answer[1], answer[2]), flush=True)
