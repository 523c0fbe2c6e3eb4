"""The real kernel next to the model: ``netlab simulate handshake|close|tcp --live``.

``proc_tcp`` reads the kernel's TCP socket table (/proc/net/tcp and tcp6), ``script`` says which
socket calls each live scenario makes, ``driver`` makes them on a real socket pair on 127.0.0.1
and reads the states after each, ``capture`` records the real segments on the loopback
interface with scapy (when allowed), and ``compare`` puts the model's states next to the
kernel's and names every difference. Only ``driver`` and ``capture`` touch the kernel; the other
modules are pure.
"""
