"""netlab.sim.topology_file: a teacher's topology file, its checks and their file:line."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlab.errors import ExitStatus, UsageError
from netlab.sim import topology
from netlab.sim.topology import Attachment, Network, Topology
from netlab.sim.topology_file import TopologyFileError, describe, load

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
name = "two"

[[router]]
name = "R1"

[[router]]
name = "R2"

[[host]]
name = "A"
gateway = "192.168.1.1"

[[network]]
prefix = "192.168.1.0/24"
members = ["R1 192.168.1.1", "A 192.168.1.10"]

[[network]]
prefix = "10.0.12.0/30"
cost = 5
members = [
    "R1 10.0.12.1",
    "R2 10.0.12.2",
]
"""
# lines:  R1 name 4, R2 name 7, A name 10, gateway 11, first network 13, its prefix 14,
# its members 15; second network 17, prefix 18, cost 19, members 20, R1 21, R2 22.


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(text, "utf-8")
    return path


def error(tmp_path: Path, text: str) -> TopologyFileError:
    path = write(tmp_path, text)
    with pytest.raises(TopologyFileError) as caught:
        load(path)
    assert isinstance(caught.value, UsageError)
    assert caught.value.status == ExitStatus.USAGE
    return caught.value


def test_the_good_file_loads_with_given_names_and_interfaces(tmp_path):
    loaded = load(write(tmp_path, GOOD))
    assert loaded.name == "two"
    assert [n.name for n in loaded.networks] == ["LAN-A", "R1-R2"]
    assert loaded.networks[1].cost == 5
    r1 = loaded.networks[1].member("R1")
    assert (r1.iface, r1.mac) == ("eth1", "02:00:00:00:01:01")
    assert loaded.networks[0].member("A").mac == "02:00:00:01:01:0a"


def test_the_example_file_is_the_built_in_campus():
    assert load(ROOT / "data" / "topologies" / "campus.toml") == topology.campus()


CASES = [
    # (what to replace, by what, line, words of the English message)
    ('name = "R2"', 'name = "R 2"', 7, "not a name"),
    ('name = "R2"', 'name = "R1"', 7, "already used (line 4)"),
    ('name = "R2"', 'name = "R2\\n"', 7, "not a name"),
    ('name = "R2"', 'name = ""', 7, "not a name"),
    ("cost = 5", 'cost = 5\nname = ""', 20, "not a name"),
    ('gateway = "192.168.1.1"', 'gateway = " 192.168.1.1"', 11, "not an IPv4 address"),
    ('"R2 10.0.12.2"', '"R2 10.0.12.02"', 22, "not an IPv4 address"),
    ('name = "A"', 'name = "R1"', 10, "already used"),
    ('"R2 10.0.12.2"', '"R9 10.0.12.2"', 22, "neither a [[router]]"),
    ('"R2 10.0.12.2"', '"R2 192.168.1.10"', 22, "192.168.1.10 is not a host address"),
    ('"R2 10.0.12.2"', '"R2 10.0.12.1"', 22, "used twice"),
    ("cost = 5", "cost = 0", 19, "cost 0 is not allowed"),
    ("cost = 5", "cost = 65536", 19, "cost 65536"),
    ("cost = 5", 'cost = "5"', 19, "must be an integer, not a string"),
    ("cost = 5", "cost = true", 19, "not a boolean"),
    ("cost = 5", "colour = 5", 19, "unknown key 'colour'"),
    ('gateway = "192.168.1.1"', 'gateway = "192.168.1.2"', 11, "not a router's address"),
    ('gateway = "192.168.1.1"', 'gateway = "192.168.1"', 11, "not an IPv4 address"),
    ('prefix = "10.0.12.0/30"', 'prefix = "10.0.12.1/30"', 18, "bits set after"),
    ('prefix = "10.0.12.0/30"', 'prefix = "10.0.12.0/33"', 18, "not a prefix"),
    ('prefix = "10.0.12.0/30"', 'prefix = "192.168.1.0/30"', 18, "overlaps the network LAN-A"),
    ('    "R2 10.0.12.2",\n', "", 17, "fewer than two members"),
    ('"R1 10.0.12.1",', '"R1 10.0.12.1", "R1 10.0.12.2",', 21, "twice"),
    ('"R1 10.0.12.1",', '"R1 10.0.12.1 eth0",', 0, "already has an interface named eth0"),
    ('"R1 10.0.12.1",', '"R1 10.0.12.1 eth1 nope",', 21, "not a MAC"),
    ('"R1 10.0.12.1",', '"R1 10.0.12.1 eth1 02:00:00:00:01:00",', 21, "MAC address"),
    ('"R1 10.0.12.1",', '"R1",', 21, "not a member"),
    ('"R1 10.0.12.1",', "1,", 20, "must be a string"),
    ('name = "two"', 'name = "two', 1, "TOML syntax error"),
]


@pytest.mark.parametrize(("old", "new", "line", "words"), CASES)
def test_each_problem_points_at_its_line(tmp_path, old, new, line, words):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    if line == 0:  # an interface named twice: on the LAN too
        text, line = text.replace('"R1 192.168.1.1"', '"R1 192.168.1.1 eth0"'), 21
    found = error(tmp_path, text)
    assert found.line == line, found.message
    assert words in found.message
    assert found.message.startswith(f"{tmp_path / 't.toml'}:{line}: ")
    assert "\n" not in found.render("zh")


def test_a_disconnected_router_points_at_its_name(tmp_path):
    found = error(tmp_path, GOOD + '\n[[router]]\nname = "R3"\n')
    assert found.line == 26
    assert "R3 cannot reach the other routers" in found.message


def test_a_router_with_no_other_router_on_its_networks_is_disconnected(tmp_path):
    text = GOOD.replace('"R2 10.0.12.2",', '"A 10.0.12.2",').replace("cost = 5", 'name = "up"')
    found = error(tmp_path, text)
    assert found.line == 7 and "R2 cannot reach" in found.message


def test_a_network_of_many_undeclared_members_fails_fast(tmp_path):
    """One per line, 40,000 members: found at the first, not after a scan per member."""
    members = "".join(f'"N{n} 10.{n // 65536}.{n // 256 % 256}.{n % 256}",\n' for n in range(40000))
    text = GOOD.replace(
        'members = ["R1 192.168.1.1", "A 192.168.1.10"]', f"members = [\n{members}]"
    )
    started = time.perf_counter()
    found = error(tmp_path, text)
    assert time.perf_counter() - started < 2
    assert found.line == 16 and "N0 is neither" in found.message


def test_an_unknown_table_points_at_its_header(tmp_path):
    found = error(tmp_path, GOOD + "\n[settings]\nspeed = 1\n")
    assert found.line == 25 and "unknown key 'settings'" in found.message


def test_a_syntax_error_gives_tomllib_s_line(tmp_path):
    found = error(tmp_path, GOOD.replace("cost = 5", "cost = = 5"))
    assert found.line == 19


def test_too_many_routers_points_at_the_first_extra(tmp_path):
    text = "".join(f'[[router]]\nname = "R{n}"\n' for n in range(1, 34))
    found = error(tmp_path, text)
    assert found.line == 65 and "at most 32" in found.message


def test_outside_text_is_escaped(tmp_path):
    found = error(tmp_path, GOOD.replace('name = "R2"', 'name = "R\\u001b[31m"'))
    assert "\x1b" not in found.message and "\\x1b" in found.message


def test_no_router_and_not_utf8(tmp_path):
    assert "no [[router]]" in error(tmp_path, 'name = "x"\n').message
    path = tmp_path / "t.toml"
    path.write_bytes(b'name = "x"\n# \xff\n')
    with pytest.raises(TopologyFileError) as caught:
        load(path)
    assert caught.value.line == 2 and "UTF-8" in caught.value.message


def test_the_message_is_said_in_chinese(tmp_path):
    found = error(tmp_path, GOOD.replace("cost = 5", "cost = 0"))
    assert found.render("zh").endswith("网络 R1-R2：开销 0 不合法（应为 1 到 65535 的整数）")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder"])
def test_special_files_are_refused_without_hanging(tmp_path, special):
    if special == "fifo":
        path = tmp_path / "pipe.toml"
        os.mkfifo(path)
    elif special == "folder":
        path = tmp_path
    else:
        path = Path(special)
    result: list[BaseException] = []
    worker = threading.Thread(target=lambda: result.append(_catch(path)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "load blocked"
    assert isinstance(result[0], TopologyFileError) and result[0].line == 1
    assert "not a regular file" in result[0].message


def _catch(path: Path) -> BaseException:
    try:
        load(path)
    except BaseException as exc:  # handed to the test thread
        return exc
    return AssertionError("loaded")


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(TopologyFileError, match="too large"):
        load(path)


def test_describe_says_a_check_failure_in_both_languages():
    broken = topology.campus()
    bad = Topology("x", broken.routers, broken.hosts, broken.networks[:2], broken.gateways)
    with pytest.raises(topology.TopologyError) as caught:
        topology.check(bad)
    assert describe(caught.value, "en").startswith("R")
    assert "路由器" in describe(caught.value, "zh")


# -- random valid topologies, written and read back ----------------------------------------------


@st.composite
def topologies(draw):
    count = draw(st.integers(2, 8))
    routers = tuple(f"R{n}" for n in range(1, count + 1))
    pairs = [(draw(st.integers(0, n - 1)), n) for n in range(1, count)]  # a spanning tree
    extra = draw(
        st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)), max_size=4)
    )
    pairs += [(a, b) for a, b in dict.fromkeys(extra) if a < b and (a, b) not in pairs]
    networks, ifaces = [], {r: 0 for r in routers}
    for k, (a, b) in enumerate(pairs):
        members = []
        for side, router in enumerate((routers[a], routers[b])):
            members.append(
                Attachment(
                    router,
                    f"eth{ifaces[router]}",
                    f"10.1.{k}.{side + 1}",
                    f"02:00:00:00:{a + 1 if side == 0 else b + 1:02x}:{ifaces[router]:02x}",
                )
            )
            ifaces[router] += 1
        cost = draw(st.integers(1, 65535))
        networks.append(
            Network(f"{members[0].node}-{members[1].node}", f"10.1.{k}.0/30", cost, tuple(members))
        )
    hosts, gateways = [], {}
    for h in range(draw(st.integers(0, 3))):
        router = routers[draw(st.integers(0, count - 1))]
        host = f"H{h}"
        gateway = f"192.168.{h}.1"
        members = (
            Attachment(
                router,
                f"eth{ifaces[router]}",
                gateway,
                f"02:00:00:00:{routers.index(router) + 1:02x}:{ifaces[router]:02x}",
            ),
            Attachment(host, "eth0", f"192.168.{h}.10", f"02:00:00:01:{h:02x}:0a"),
        )
        ifaces[router] += 1
        networks.append(Network(f"LAN-{host}", f"192.168.{h}.0/24", 1, members))
        hosts.append(host)
        gateways[host] = gateway
    return topology.check(Topology("random", routers, tuple(hosts), tuple(networks), gateways))


def dump(top: Topology, explicit: bool) -> str:
    out = [f'name = "{top.name}"']
    out += [f'\n[[router]]\nname = "{r}"' for r in top.routers]
    out += [f'\n[[host]]\nname = "{h}"\ngateway = "{top.gateways[h]}"' for h in top.hosts]
    for net in top.networks:
        members = ", ".join(
            f'"{m.node} {m.ip} {m.iface} {m.mac}"' if explicit else f'"{m.node} {m.ip}"'
            for m in net.members
        )
        out.append(
            f'\n[[network]]\nname = "{net.name}"\nprefix = "{net.prefix}"\n'
            f"cost = {net.cost}\nmembers = [{members}]"
        )
    return "\n".join(out) + "\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(top=topologies(), explicit=st.booleans())
def test_random_topologies_read_back_equal(tmp_path, top, explicit):
    # Written without interfaces, the automatic ones are eth0, eth1, ... in the file's order
    # and the MACs of the module's rule: the generator builds them so.
    assert load(write(tmp_path, dump(top, explicit))) == top
