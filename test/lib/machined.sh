# A machined of the test's own, under $MACHBOX_ROOT, for test/root/*.sh.
# The caller sets MD_LOG (machined's stderr) and MD_PID="" and stops a
# machined left running in its trap by $MD_PID.
#   md_start    start it in the foreground mode, wait until it answers
#   md_stop     SIGTERM, wait for it; its exit status in MD_RC
#   md_answers  it answers a LIST: its loop runs (the socket file exists
#               before listen() and before the records are read, and
#               `machinectl list` says "No machines." when nothing listens)

md_answers() {
	/usr/bin/python3 - "$MACHBOX_ROOT/run/machbox/control" <<'EOP'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(2)
s.connect(sys.argv[1])
s.send(struct.pack("<IHH", 0x3158424d, 1, 1))
sys.exit(0 if len(s.recv(70000)) >= 12 else 1)
EOP
}

md_start() {
	"$MACHBOX" machined -f 2>>"$MD_LOG" &
	MD_PID=$!
	wait_for 5 md_answers
}

md_stop() {
	kill -TERM "$MD_PID"
	wait_exit "$MD_PID" 90
	MD_RC=$RC
	MD_PID=""
}
