"""Writes the committed seed corpus of the fuzz targets (Tests/FuzzTargetsTests/Fixtures/corpus/<target>/):
small valid inputs of each format, plus the issue-17 reproducers. Plain Python, no reference packages.
Crashers found by `make fuzz` go to Tests/FuzzTargetsTests/Fixtures/crashers/<target>/ by hand."""
import glob
import json
import os
import shutil
import struct

ROOT = "Tests/FuzzTargetsTests/Fixtures/corpus"
shutil.rmtree(ROOT, ignore_errors=True)


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())


def copy(target, path, name=None):
    with open(path, "rb") as handle:
        put(target, name or os.path.basename(path), handle.read())


# safetensors: the reference-written fixtures and a few crafted accept/refuse cases of the parity table.
PARITY = "Tests/CheckpointsTests/Fixtures/safetensors_parity"
for case in ["valid", "scalar", "metadata", "metadata_null", "unsorted_offsets", "empty_between", "zero_huge_shape",
             "zero_rank65_twos", "offsets_float", "bom", "field_repeated_different", "tensor_repeated_different",
             "overlap", "size_mismatch_small", "header_length_past_end", "bool_byte_values"]:
    copy("safetensors-reader", f"{PARITY}/{case}.safetensors")
copy("safetensors-reader", "Tests/CheckpointsTests/Fixtures/all_dtypes.safetensors")
copy("safetensors-reader", "Tests/CheckpointsTests/Fixtures/sharded/model-00001-of-00002.safetensors", "shard.safetensors")
for path in sorted(glob.glob("Tests/FuzzTargetsTests/Fixtures/corpus/safetensors-reader/*.safetensors")):
    with open(path, "rb") as handle:
        blob = handle.read()
    if len(blob) < 8:
        continue
    length = struct.unpack("<Q", blob[:8])[0]
    if 8 + length <= len(blob):
        data_size = len(blob) - 8 - length
        put("safetensors-header", os.path.basename(path).replace(".safetensors", ".header"),
            struct.pack("<H", data_size & 0xFFFF) + blob[8:8 + length])

# The sharded index beside shards holding a[2], b[3] (first) and c[1] (second).
put("sharded-index", "valid.json", json.dumps({"metadata": {"total_size": 24}, "weight_map": {
    "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}))
put("sharded-index", "repeated.json", '{"weight_map":{"a":"model-00001-of-00002.safetensors","a":"model-00002-of-00002.safetensors"}}')
put("sharded-index", "escape.json", '{"weight_map":{"a":"../model-00001-of-00002.safetensors"}}')
put("sharded-index", "directory.json", '{"weight_map":{"a":"."}}')
copy("sharded-index", "Tests/CheckpointsTests/Fixtures/sharded/model.safetensors.index.json", "fixture.json")

# config.json: every committed configuration fixture.
for path in ["Tests/CheckpointsTests/Fixtures/configs/clip_vit_b32.json"] + sorted(
        glob.glob("Tests/QwenVLTests/Fixtures/configuration/*.json") + glob.glob("Tests/WanTests/Fixtures/configuration/*.json")):
    copy("config-json", path)

# manifest.jsonl: a valid line, CRLF, and the repeated-key reproducer.
line = {"id": "a", "kind": "procedural", "input_video": "videos/in.mp4", "input_range": {"start": 0, "end": 2.5},
        "question": "What happens next?", "reasoning": "The block is placed. So the tower grows.",
        "answer_caption": "The tower grows.", "answer_alternatives": ["The tower grows."], "answer_video": "videos/out.mp4",
        "answer_range": {"start": 0, "end": 2}, "source": "vans-synth", "scene_seed": 7, "event_type": "stacking"}
text = json.dumps(line, sort_keys=True)
put("manifest", "valid.jsonl", text + "\n" + text.replace('"id": "a"', '"id": "b"') + "\r\n")
put("manifest", "repeated_key.jsonl", text[:-1] + ', "kind": "bogus"}\n')
put("manifest", "bad_lines.jsonl", "\n[1]\n{oops\n" + text.replace('"start": 0, "end": 2.5', '"start": 3, "end": 1') + "\n")

# tokenizer.json (then NUL, then text): tiny BPE, byte-level BPE and Unigram models, and the issue-17 crashers.
bpe = {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "<unk>": 3}, "merges": ["a b"], "unk_token": "<unk>"}}
put("tokenizer", "bpe.json", json.dumps(bpe) + "\0abba ab")
byte_level = {"added_tokens": [{"id": 5, "content": "<|end|>", "single_word": False, "lstrip": False, "rstrip": False,
                                "normalized": False, "special": True}],
              "normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
              "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
              "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
              "model": {"type": "BPE", "vocab": {"h": 0, "i": 1, "hi": 2, "Ġ": 3, "Ġhi": 4}, "merges": ["h i", "Ġ hi"],
                        "byte_fallback": False, "ignore_merges": False}}
put("tokenizer", "byte_level.json", json.dumps(byte_level) + "\0hi hi<|end|> hï")
unigram = {"normalizer": {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
           "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
           "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
           "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["\u2581", -1.0], ["a", -2.0], ["b", -2.5], ["ab", -1.5]],
                     "byte_fallback": False}}
put("tokenizer", "unigram.json", json.dumps(unigram, ensure_ascii=False) + "\0ab ba")
put("tokenizer", "negative_merge_id.json", '{"model":{"type":"BPE","vocab":{"a":-1,"b":1,"ab":2},"merges":["a b"]}}\0ab')
put("tokenizer", "merged_id_2pow31.json", '{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2147483648},"merges":["a b"]}}\0ab')
put("tokenizer", "token_id_2pow31.json", '{"model":{"type":"BPE","vocab":{"a":2147483648},"merges":[]}}\0a')
print("seeds:", {target: len(os.listdir(os.path.join(ROOT, target))) for target in sorted(os.listdir(ROOT))})
