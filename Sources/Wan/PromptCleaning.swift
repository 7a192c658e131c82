// Mirrors diffusers' Wan pipeline prompt preparation (pipelines/wan/pipeline_wan.py: basic_clean,
// whitespace_clean, prompt_clean, and the tokenizer call in _get_t5_prompt_embeds), which the original
// Wan repo's HuggingfaceTokenizer(clean='whitespace') also does.
import Tokenizers

/// Cleans prompts exactly as the Wan2.1 pipeline does before its umT5 text encoder sees them, and
/// tokenizes them with the pipeline's arguments.
///
/// `prompt_clean(text) = whitespace_clean(basic_clean(text))`, where
/// `basic_clean(text) = html.unescape(html.unescape(ftfy.fix_text(text))).strip()` and
/// `whitespace_clean(text) = re.sub(r"\s+", " ", text).strip()`. Python's `\s` and `str.strip()` use
/// `str.isspace`, which includes U+001C...U+001F but not U+200B or U+FEFF, unlike `Character.isWhitespace`.
/// Exact to the extent ``TextFixer`` and ``PythonHTML`` are (see their documentation).
///
///     WanPromptCleaner().clean("  A cat’s\r\n  &amp;amp;  toy ") // "A cat's & toy"
public struct WanPromptCleaner: Sendable {
    /// The pipeline's `max_sequence_length` in `__call__` (umT5 positions, padded to this length).
    public static let maxSequenceLength = 512

    private let fixer = TextFixer()

    public init() {}

    /// `prompt_clean(prompt)`.
    public func clean(_ prompt: String) -> String {
        let fixed = fixer.fix(prompt)
        let unescaped = PythonHTML.unescape(PythonHTML.unescape(fixed))
        return Self.collapsingWhitespace(unescaped)
    }

    /// The umT5 input ids and attention mask for cleaned prompts, as
    /// `tokenizer(prompts, padding="max_length", max_length=maxLength, truncation=True,
    /// add_special_tokens=True, return_attention_mask=True)` gives them.
    public func encode(_ prompts: [String], tokenizer: Tokenizer, maxLength: Int = Self.maxSequenceLength) throws -> Tokenizer.BatchEncoding {
        try tokenizer.encodeBatch(prompts.map(clean), maxLength: maxLength, padding: .fixed(maxLength, left: false), addSpecialTokens: true)
    }

    /// `whitespace_clean(text.strip())`: every run of Python whitespace becomes one space, with none
    /// at either end. (The inner strip only removes what the outer one would.)
    static func collapsingWhitespace(_ text: String) -> String {
        // Bytes, not a String.UnicodeScalarView: appending to the view re-reserves on every call.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if PythonUnicode.isWhitespace(scalar.value) {
                pendingSpace = !bytes.isEmpty
                continue
            }
            if pendingSpace {
                bytes.append(0x20)
                pendingSpace = false
            }
            UTF8.encode(scalar) { bytes.append($0) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
