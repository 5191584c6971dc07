#!/usr/bin/env python3
"""Rebuild an evidence archive with one change, every other member as it was
(tests/integration/test_evidence_archive.sh).

  retar.py SRC DST list                    the members' names (after the top dir)
  retar.py SRC DST flip NAME               one byte of NAME altered (the middle one)
  retar.py SRC DST drop NAME               NAME left out
  retar.py SRC DST put NAME FILE           NAME's bytes replaced by FILE's (added when new)
  retar.py SRC DST raw NAME TYPE           a member named NAME exactly (no top dir
                                           added) of TYPE file|symlink|dir|hardlink

put recomputes nothing: the caller updates SHA256SUMS itself when it wants to.
"""
import io
import sys
import tarfile


def main():
    src, dst, mode = sys.argv[1:4]
    args = sys.argv[4:]
    with tarfile.open(src, "r:gz") as t:
        members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
    top = members[0][0].name.split("/")[0]
    if mode == "list":
        for m, _ in members:
            print(m.name[len(top) + 1:])
        return
    out = []
    done = False
    for m, data in members:
        rel = m.name[len(top) + 1:]
        if mode in ("flip", "drop", "put") and rel == args[0]:
            done = True
            if mode == "drop":
                continue
            if mode == "flip":
                b = bytearray(data)
                if b:
                    b[len(b) // 2] ^= 0x01
                else:
                    b = bytearray(b"x")
                data = bytes(b)
            else:
                data = open(args[1], "rb").read()
        out.append((m, data))
    if mode == "put" and not done:
        m = tarfile.TarInfo(top + "/" + args[0])
        m.mode = 0o644
        out.append((m, open(args[1], "rb").read()))
        done = True
    if mode == "raw":
        m = tarfile.TarInfo(args[0])
        kind = args[1]
        m.type = {"file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE, "dir": tarfile.DIRTYPE,
                  "hardlink": tarfile.LNKTYPE}[kind]
        if kind in ("symlink", "hardlink"):
            m.linkname = "/etc/passwd"
        out.append((m, b"evil\n" if kind == "file" else None))
        done = True
    if not done:
        sys.exit("retar.py: no member " + args[0])
    with tarfile.open(dst, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for m, data in out:
            if data is not None:
                m.size = len(data)
                t.addfile(m, io.BytesIO(data))
            else:
                t.addfile(m)


if __name__ == "__main__":
    main()
