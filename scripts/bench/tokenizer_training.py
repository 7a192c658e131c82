"""Reference side of the BPE-training benchmark and check: trains `tokenizers`' BpeTrainer in the
Qwen2.5-VL layout on a text file (one sequence per line, as `vans train-tokenizer --text` reads it),
times it, and compares the result with the tokenizer folder `vans train-tokenizer` wrote: tokenizer.json
bytes, ids on the text's first lines, and that transformers loads the folder and applies its chat template.
Usage: tokenizer_training.py make-text OUT BYTES
       tokenizer_training.py check TEXT_FILE VOCAB_SIZE MIN_FREQUENCY SWIFT_OUTPUT_DIR"""
import json, os, random, sys, time

sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers, trainers

QWEN_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
           "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
           "<|image_pad|>", "<|video_pad|>"]
PLAIN = ["<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]


def make_text(path, size):
    """A deterministic text with a large vocabulary (60,000 pseudo-words, some CJK, emoji, digits and
    punctuation), so that training runs tens of thousands of merges."""
    rng = random.Random(5)
    syllables = ["ka", "to", "ri", "men", "sha", "lo", "pre", "dis", "ing", "tion", "ed", "er", "al", "qu", "st", "ow",
                 "ba", "ne", "xi", "zu", "gor", "th", "ch", "ly", "é", "ü"]
    words = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 5))) for _ in range(60000)]
    extras = ["我们的视频模型", "预测下一个事件", "😀", "🎉", "1234", "3.14", "(see above)", "--", "...", "\t", "'s", "don't"]
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < size:
            line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 20)))
            if rng.random() < 0.3:
                line += " " + rng.choice(extras)
            line = line[0].upper() + line[1:] + rng.choice([".", "!", "?", ",", ""]) + "\n"
            f.write(line)
            written += len(line.encode())


def check(text_path, vocab_size, min_frequency, swift_dir):
    lines = open(text_path, encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    spec = json.loads(Tokenizer(models.BPE()).to_str())
    spec.update(normalizer={"type": "NFC"}, post_processor=byte_level, decoder=byte_level, pre_tokenizer={
        "type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": QWEN_SPLIT}, "behavior": "Isolated", "invert": False}, byte_level]})
    tok = Tokenizer.from_str(json.dumps(spec))
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    start = time.perf_counter()
    tok.train_from_iterator(lines, trainer)
    seconds = time.perf_counter() - start
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in SPECIAL])
    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in PLAIN])
    swift_json = open(os.path.join(swift_dir, "tokenizer.json"), encoding="utf-8").read()
    identical = swift_json == tok.to_str()
    loaded = Tokenizer.from_file(os.path.join(swift_dir, "tokenizer.json"))
    sample = lines[:500]
    same_ids = all(loaded.encode(line).ids == tok.encode(line).ids for line in sample)
    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(swift_dir)
    prompt = hf.apply_chat_template([{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "What happens next?"}]}],
                                    tokenize=False, add_generation_prompt=True)
    expected = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                "<|vision_start|><|video_pad|><|vision_end|>What happens next?<|im_end|>\n<|im_start|>assistant\n")
    print(json.dumps({"reference_seconds": seconds, "identical_json": identical, "same_ids": same_ids,
                      "transformers_chat_template": prompt == expected, "transformers_ids_match": hf(sample[0])["input_ids"] == tok.encode(sample[0]).ids}))


if __name__ == "__main__":
    if sys.argv[1] == "make-text":
        make_text(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
