#!/usr/bin/env python3
"""Independent re-implementation of the cm-v1 provably fair scheme (docs/provably-fair.md).

Standard library only. It shares no code with the TypeScript implementation; it exists to show
that the published algorithm reproduces bit for bit in another language. Python floats are
IEEE-754 doubles and evaluate the formulas in the order written, like JavaScript.

Usage:
  python3 scripts/provably-fair-reference.py SERVER_SEED SALT [TICKS] [PARAMS_JSON]
    prints roundSeed, serverSeedHash, the draws of tick 1, the first TICKS candles (default 10),
    the rug tick and the sha256 digest of the whole path.
  python3 scripts/provably-fair-reference.py --vectors
    prints the test vectors published in docs/provably-fair.md (the unit tests assert against them).
  python3 scripts/provably-fair-reference.py --verify FILE_OR_URL
    checks a /verify response (a JSON file, or a URL to fetch) and prints "verified".
"""
import hashlib
import hmac
import json
import math
import re
import sys
import urllib.request

DEFAULT_PARAMS = {
    "rugProbability": 0.005,
    "maxTicks": 5000,
    "subSteps": 4,
    "bigMoveProbability": 0.02,
    "bigMoveMin": 0.15,
    "bigMoveRange": 0.10,
    "driftMin": -0.02,
    "driftRange": 0.05,
    "volatility": 0.005,
}
START_PRICE = 100000000


def round_seed(server_seed_hex, salt):
    return hmac.new(bytes.fromhex(server_seed_hex), salt.encode("utf-8"), hashlib.sha256).hexdigest()


def draw_integer(round_seed_hex, t, j):
    digest = hmac.new(bytes.fromhex(round_seed_hex), f"{t}:{j}".encode("utf-8"), hashlib.sha256).hexdigest()
    return int(digest[:13], 16)


def draw(round_seed_hex, t, j):
    return draw_integer(round_seed_hex, t, j) / 2 ** 52


def js_round(x):
    """JavaScript Math.round: nearest integer, ties toward +infinity (Python's round() ties to even)."""
    floor = math.floor(x)
    return floor + 1 if x - floor >= 0.5 else floor


def path(round_seed_hex, p):
    candles = []
    prev = START_PRICE
    for t in range(1, p["maxTicks"] + 1):
        if draw(round_seed_hex, t, 0) < p["rugProbability"]:
            candles.append((t, prev, prev, 0, 0))
            return candles, t
        price = high = low = prev
        for s in range(p["subSteps"]):
            a = draw(round_seed_hex, t, 1 + 3 * s)
            b = draw(round_seed_hex, t, 2 + 3 * s)
            c = draw(round_seed_hex, t, 3 + 3 * s)
            if a < p["bigMoveProbability"]:
                move = (-1 if b < 0.5 else 1) * (p["bigMoveMin"] + p["bigMoveRange"] * c)
            else:
                move = (p["driftMin"] + p["driftRange"] * b) / p["subSteps"] + p["volatility"] * (2 * c - 1)
            price = max(1, js_round(price * (1 + move)))
            high = max(high, price)
            low = min(low, price)
        candles.append((t, prev, high, low, price))
        prev = price
    return candles, None


def fmt(units):
    units = int(units)
    return f"{units // 100000000}.{units % 100000000:08d}"


def path_digest(candles):
    text = "".join(f"{t},{fmt(o)},{fmt(h)},{fmt(l)},{fmt(c)}\n" for (t, o, h, l, c) in candles)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(source):
    if source.startswith("http://") or source.startswith("https://"):
        with urllib.request.urlopen(source) as response:
            body = json.load(response)
    else:
        with open(source, encoding="utf-8") as handle:
            body = json.load(handle)
    assert body["algorithm"] == "cm-v1", "algorithm"
    assert hashlib.sha256(bytes.fromhex(body["serverSeed"])).hexdigest() == body["serverSeedHash"], "serverSeedHash"
    seed = round_seed(body["serverSeed"], body["salt"])
    assert seed == body["roundSeed"], "roundSeed"
    candles, rug_tick = path(seed, body["params"])
    assert len(candles) == len(body["candles"]), "number of candles"
    for (t, o, h, l, c), published in zip(candles, body["candles"]):
        assert (t, fmt(o), fmt(h), fmt(l), fmt(c)) == (
            published["tick"], published["open"], published["high"], published["low"], published["close"]
        ), f"candle {t}"
    assert rug_tick == body["rugTick"], "rugTick"
    print("verified")


def describe(server_seed, salt, ticks, overrides):
    params = dict(DEFAULT_PARAMS, **overrides)
    seed = round_seed(server_seed, salt)
    candles, rug_tick = path(seed, params)
    return {
        "serverSeed": server_seed,
        "serverSeedHash": hashlib.sha256(bytes.fromhex(server_seed)).hexdigest(),
        "salt": salt,
        "params": overrides,
        "roundSeed": seed,
        "drawsTick1": [{"j": j, "hex": f"{draw_integer(seed, 1, j):013x}", "value": repr(draw(seed, 1, j))}
                       for j in range(1 + 3 * params["subSteps"])],
        "firstCandles": [{"tick": t, "open": fmt(o), "high": fmt(h), "low": fmt(l), "close": fmt(c)}
                         for (t, o, h, l, c) in candles[:ticks]],
        "rugTick": rug_tick,
        "endTick": candles[-1][0],
        "finalClose": fmt(candles[-1][4]),
        "pathDigest": path_digest(candles),
    }


# The test vectors: a chain of length 10 from a fixed s[0], and rounds played on it with a fixed salt.
VECTOR_FIRST_SEED = hashlib.sha256(b"cash-markets cm-v1 test vector: chain").hexdigest()
VECTOR_SALT = "0x" + hashlib.sha256(b"cash-markets cm-v1 test vector: salt").hexdigest()
VECTOR_LENGTH = 10


def vectors():
    chain = [VECTOR_FIRST_SEED]
    for _ in range(VECTOR_LENGTH):
        chain.append(hashlib.sha256(bytes.fromhex(chain[-1])).hexdigest())
    seed_of_round = lambda k: chain[VECTOR_LENGTH - k]
    rounds = [
        dict(name="round 1, rugs at tick 6", chainRound=1, **describe(seed_of_round(1), VECTOR_SALT, 10, {})),
        dict(name="round 3, rugs at tick 96", chainRound=3, **describe(seed_of_round(3), VECTOR_SALT, 12, {})),
        dict(name="round 1 with maxTicks 5: ends without a rug", chainRound=1,
             **describe(seed_of_round(1), VECTOR_SALT, 5, {"maxTicks": 5})),
    ]
    return {"chain": {"length": VECTOR_LENGTH, "seeds": chain, "terminalHash": chain[-1]}, "rounds": rounds}


def main(argv):
    if len(argv) >= 2 and argv[0] == "--verify":
        try:
            verify(argv[1])
        except AssertionError as difference:
            print(f"NOT verified: {difference}", file=sys.stderr)
            sys.exit(1)
        return
    if argv and argv[0] == "--vectors":
        # One line per leaf object keeps the published vectors readable.
        text = json.dumps(vectors(), indent=2)
        print(re.sub(r"\{[^{}\[\]]*\}", lambda match: " ".join(match.group(0).split()), text))
        return
    ticks = int(argv[2]) if len(argv) > 2 else 10
    print(json.dumps(describe(argv[0], argv[1], ticks, json.loads(argv[3]) if len(argv) > 3 else {}), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
