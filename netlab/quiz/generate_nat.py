"""Generated questions about NAT: what a PAT router does to a packet's source address and port
on the way out, and where it sends a reply on the way in.

Owns the recipe ``nat-translation`` (``RECIPES``, registered by ``netlab.quiz.generate``). It
draws its parameters from a seeded ``random.Random``, builds ``netlab.sim.nat`` with
``frames=False`` (so no scapy is imported), reads the answer from the Trace and words the
question in English and Chinese, with a ``see`` command that shows the same run.

No printing, no files; the same seed always gives the same question.
"""

from __future__ import annotations

import random
from typing import Any

from netlab.quiz.lan_terms import pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, Text, t
from netlab.sim import nat


def _draw_nat(rng: random.Random) -> Params:
    hosts = rng.randint(2, 4)
    flows = rng.randint(2, 6)
    return {
        "hosts": hosts,
        "flows": flows,
        "seed": rng.randrange(10_000) if rng.random() < 0.8 else None,
        # half the time the flow where B reuses A's source port: the one PAT must change
        "flow": 1 if rng.random() < 0.5 else rng.randrange(flows),
        "direction": rng.choice(("out", "in")),
        "mix": rng.getrandbits(32),
    }


def _nat_command(p: Params) -> str:
    parts = [f"netlab simulate nat --hosts {p['hosts']} --flows {p['flows']}"]
    if p["seed"] is not None:
        parts.append(f"--seed {p['seed']}")
    return " ".join(parts)


def _table_text(rows: list[dict[str, Any]]) -> Text:
    if not rows:
        return t("The translation table is empty.", "转换表是空的。")
    en = "; ".join(f"{r['proto']} {r['inside_local']} ↔ {r['inside_global']}" for r in rows)
    zh = "；".join(f"{r['proto']} {r['inside_local']} ↔ {r['inside_global']}" for r in rows)
    return t(
        f"The translation table (inside local ↔ inside global) holds: {en}.",
        f"转换表（内部本地 ↔ 内部全局）中已有：{zh}。",
    )


def _what_sent(proto: str) -> Text:
    if proto == "TCP":
        return t("a TCP SYN", "一个 TCP SYN")
    return t("a DNS query over UDP", "一个 UDP 上的 DNS 查询")


def _ask_nat(p: Params) -> Draft:
    trace = nat.build(
        nat.NatOptions(mode="pat", hosts=p["hosts"], flows=p["flows"], seed=p["seed"]),
        frames=False,
    )
    flow = trace.params["flow_plan"][p["flow"]]
    public = trace.params["nat_outside"]
    host, proto = flow["host"], flow["proto"]
    local, server = flow["inside_local"], flow["outside"]
    local_ip, sport = local.rsplit(":", 1)
    # the packet on the inside link, and what nat made of it on the outside
    sent = next(
        s for s in trace.steps if s.src == host and s.dst == "nat" and s.fields.get("src") == local
    )
    out = next(
        s
        for s in trace.steps[sent.index :]
        if s.src == "nat" and s.fields.get("translated") == "src"
    )
    outside = out.fields["src"]
    setting = t(
        f"Hosts on 192.168.1.0/24 reach the Internet through a PAT router (NAPT) whose "
        f"public address is {public}. It keeps a host's source port whenever that port is "
        "still free for the protocol on its public address, and picks another one otherwise.",
        f"192.168.1.0/24 上的主机通过一台 PAT（NAPT）路由器上网，它的公网地址是 {public}。"
        "只要某个源端口在这个公网地址上（对该协议）还没被占用，路由器就保留主机原来的端口，"
        "否则另选一个。",
    )
    what = _what_sent(proto)
    _, glob_port = outside.rsplit(":", 1)
    if glob_port == sport:
        why = t(
            f"No mapping uses {proto} port {sport} on {public} yet, so the router keeps the "
            f"port and replaces only the address: {local} becomes {outside}.",
            f"{public} 上还没有映射使用 {proto} 端口 {sport}，所以路由器保留端口、只替换地址："
            f"{local} 变成 {outside}。",
        )
    else:
        holder = next(
            r
            for r in sent.tables["nat:nat"]
            if r["proto"] == proto and r["inside_global"] == f"{public}:{sport}"
        )
        why = t(
            f"{public}:{sport} is already taken for {proto} by {holder['inside_local']}. Two "
            f"mappings with the same public port could not be told apart when the replies "
            f"come back, so the router gives {host} another port: {local} becomes {outside}.",
            f"{public}:{sport} 已经被 {holder['inside_local']} 的 {proto} 映射占用了。"
            f"两个映射若用同一个公网端口，回来的响应就分不清该交给谁，所以路由器给 {host} "
            f"换了一个端口：{local} 变成 {outside}。",
        )
    if p["direction"] == "out":
        mix = random.Random(p["mix"])
        wrong_port = next(
            port
            for port in iter(lambda: mix.randint(*nat.EPHEMERAL), None)
            if str(port) not in (sport, glob_port)
        )
        other_public = nat.public_ip(1)
        candidates = [
            outside,
            local,
            f"{public}:{sport}" if glob_port != sport else f"{public}:{wrong_port}",
            f"{other_public}:{sport}",
        ]
        options = pick_others(mix, outside, candidates, 3)
        said = {
            local: t(f"{local} (unchanged)", f"{local}（不变）"),
        }
        return Draft(
            kind="single",
            prompt=t(
                f"{setting['en']} {_table_text(sent.tables['nat:nat'])['en']} Now host {host} "
                f"({local_ip}) sends {what['en']} from port {sport} to {server}. What source "
                "address and port does the packet carry on the outside?",
                f"{setting['zh']}{_table_text(sent.tables['nat:nat'])['zh']}现在主机 {host}"
                f"（{local_ip}）从端口 {sport} 向 {server} 发出{what['zh']}。"
                "这个分组到了外网时，源地址和端口是什么？",
            ),
            explanation=t(
                f"{why['en']} PAT has one public address; replies to {outside} go back to {local}.",
                f"{why['zh']}PAT 只有一个公网地址；发往 {outside} 的响应会被转回 {local}。",
            ),
            see=_nat_command(p),
            answer=options.index(outside),
            choices=tuple(said.get(o, t(o, o)) for o in options),
        )
    reply = next(
        s
        for s in trace.steps[out.index :]
        if s.src == "nat"
        and s.fields.get("translated") == "dst"
        and s.fields["dst_before"] == outside
    )
    back = reply.fields["dst"]
    came = next(s for s in trace.steps[out.index : reply.index] if s.dst == "nat")
    return Draft(
        kind="fill",
        prompt=t(
            f"{setting['en']} {_table_text(came.tables['nat:nat'])['en']} A reply comes in from "
            f"{server} to {outside}. To which address and port does the router send it on the "
            "inside? (Answer as address:port.)",
            f"{setting['zh']}{_table_text(came.tables['nat:nat'])['zh']}一个响应从 {server} "
            f"发往 {outside}。路由器在内网把它转发到哪个地址和端口？（按“地址:端口”作答。）",
        ),
        explanation=t(
            f"The router looks up {proto} {outside} in the inside-global column and puts back "
            f"the inside local address and port: {back}, host {host}. When {host}'s packet went "
            f"out: {why['en']}",
            f"路由器在“内部全局”一列里查找 {proto} {outside}，把目的地址和端口换回对应的"
            f"内部本地地址和端口：{back}，即主机 {host}。当初 {host} 的分组出去时：{why['zh']}",
        ),
        see=_nat_command(p),
        answer=(back,),
    )


RECIPES: tuple[Recipe, ...] = (Recipe("nat-translation", "nat", _draw_nat, tidy(_ask_nat)),)
