"""Reference side of the tokenizer throughput benchmark: makes the deterministic ~10 MB text and times
the Rust `tokenizers` library encoding it (run with RAYON_NUM_THREADS=1).
Usage: tokenizer_throughput.py make-text OUT [BYTES] | tokenizer_throughput.py time TOKENIZER_JSON TEXT_FILE"""
import json, os, random, sys, time

sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]


def make_text(path, size=10_000_000):
    rng = random.Random(11)
    words = ("the a man woman dog cat walks runs into kitchen opens door picks up cup of coffee pours water video next "
             "event answer think reasoning camera shows person table window car street rain doesn't it's Hello World "
             "naïve café über quickly slowly afterwards suddenly carefully").split()
    extras = ["我们的视频模型", "😀", "🎉", "1234", "3.14", "(see above)", "--", "...", "\n\n", "\t"]
    parts, length = [], 0
    while length < size:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 18)))
        if rng.random() < 0.3:
            sentence += " " + rng.choice(extras)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([". ", "! ", "? ", ".\n", ", "])
        parts.append(sentence)
        length += len(sentence.encode())
    with open(path, "w") as f:
        f.write("".join(parts))


def time_reference(tokenizer_path, text_path):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(tokenizer_path)
    text = open(text_path, encoding="utf-8").read()
    best = None
    for _ in range(3):
        start = time.perf_counter()
        ids = tokenizer.encode(text).ids
        elapsed = (time.perf_counter() - start) * 1000
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"count": len(ids), "milliseconds": best}))


if __name__ == "__main__":
    if sys.argv[1] == "make-text":
        make_text(sys.argv[2], *(int(s) for s in sys.argv[3:4]))
    else:
        time_reference(sys.argv[2], sys.argv[3])
