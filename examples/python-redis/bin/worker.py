# A queue worker: pops jobs from Redis, and writes a heartbeat file each second while it can reach it.
import os, socket, time

PORT = int(os.environ["QUEUE_PORT"])
BEAT = os.environ["BEAT_FILE"]
os.makedirs(os.path.dirname(BEAT) or ".", exist_ok=True)
while True:
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as s:
            s.settimeout(3)
            while True:
                s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$4\r\njobs\r\n$1\r\n1\r\n")
                data = s.recv(4096)
                if not data:
                    raise OSError("closed")
                with open(BEAT, "w") as f:
                    f.write(str(time.time()))
    except OSError as e:
        print(f"queue unreachable: {e}", flush=True)
        time.sleep(0.5)
