"""Reference side of scripts/check/text_metrics_cli.sh.
Usage: text_metrics_cli.py make MANIFEST WORK_DIR | text_metrics_cli.py compare WORK_DIR"""
import json, os, random, sys


def make(manifest, work):
    rng = random.Random(1)
    hypotheses, references = [], []
    for line in open(manifest, encoding="utf-8"):
        sample = json.loads(line)
        others = [a for a in sample["answer_alternatives"] if a != sample["answer_caption"]]
        hypotheses.append(rng.choice(others) if others and rng.random() < 0.7 else sample["question"])
        references.append([sample["answer_caption"]] + ([rng.choice(others)] if others and rng.random() < 0.5 else []))
    with open(os.path.join(work, "hypotheses.txt"), "w", encoding="utf-8") as f:
        f.write("".join(h.replace("\n", " ") + "\n" for h in hypotheses))
    with open(os.path.join(work, "references.txt"), "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in references))
    with open(os.path.join(work, "samples.json"), "w", encoding="utf-8") as f:
        json.dump({"hypotheses": hypotheses, "references": references}, f)


def compare(work):
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
    from rouge_score import rouge_scorer
    samples = json.load(open(os.path.join(work, "samples.json"), encoding="utf-8"))
    hypotheses, references = samples["hypotheses"], samples["references"]
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": c} for c in r] for i, r in enumerate(references)})
    res = tokenizer.tokenize({i: [{"caption": h}] for i, h in enumerate(hypotheses)})
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, _ = Rouge().compute_score(gts, res)
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    f1 = sum(scorer.score_multi(r, h)["rougeL"].fmeasure for h, r in zip(hypotheses, references)) / len(hypotheses)
    ours = json.load(open(os.path.join(work, "ours.json")))
    pairs = [(ours[f"bleu_{n + 1}"], bleu[n]) for n in range(4)] + [(ours["rouge_l"], rouge), (ours["rouge_l_f1"], f1)]
    worst = max(abs(a - b) for a, b in pairs)
    print(json.dumps({"samples": len(hypotheses), "max_abs_difference": worst,
                      "ours": [a for a, _ in pairs], "reference": [b for _, b in pairs]}))
    sys.exit(0 if worst <= 1e-9 else 1)


if __name__ == "__main__":
    make(sys.argv[2], sys.argv[3]) if sys.argv[1] == "make" else compare(sys.argv[2])
