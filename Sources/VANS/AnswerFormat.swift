// The reason-then-answer output format of VANS (paper, Appendix C.2) and its format reward r_f.

import Foundation
import QwenVL

/// How the VLM is asked to lay out its output: reasoning in one tagged block, then the next-event
/// description in another.
///
/// The paper's evaluation system prompt (Appendix C.2, ``paperSystemPrompt``) asks for `[Think]…[/Think]`
/// followed by `[Ans]…[/Ans]`; the `<think>…</think><answer>…</answer>` style common in GRPO code is the
/// alternative. The answer block is what ROUGE-L and the video model see.
public struct AnswerFormat: Sendable, Equatable {
    /// Which pair of tag styles to use.
    public enum Style: String, Sendable, Equatable, CaseIterable, Codable {
        /// `[Think]…[/Think][Ans]…[/Ans]`, as in the paper's evaluation prompt (the default).
        case bracketTags = "brackets"
        /// `<think>…</think><answer>…</answer>`, as in Video-R1-style GRPO code.
        case angleTags = "angle"
    }

    /// The paper's evaluation system prompt, verbatim (including its typographic apostrophe in "user’s").
    public static let paperSystemPrompt =
        "You will be given a video. Your task is to predict the next event based on the input video and the "
        + "user\u{2019}s instructions. Please begin by providing your detailed reasoning between the [Think]/[/Think] "
        + "tags, followed by your detailed description of the next event within the [Ans]/[/Ans] tags."

    public let style: Style
    public let reasoningOpen: String
    public let reasoningClose: String
    public let answerOpen: String
    public let answerClose: String
    /// The system prompt that asks for this format.
    public let systemPrompt: String

    /// - Parameters:
    ///   - style: the tag pair; `.bracketTags` is the paper's.
    ///   - systemPrompt: overrides the default prompt, which is the paper's sentence with this style's tags
    ///     (for `.bracketTags`, exactly ``paperSystemPrompt``).
    public init(style: Style = .bracketTags, systemPrompt: String? = nil) {
        self.style = style
        switch style {
        case .bracketTags:
            (reasoningOpen, reasoningClose, answerOpen, answerClose) = ("[Think]", "[/Think]", "[Ans]", "[/Ans]")
        case .angleTags:
            (reasoningOpen, reasoningClose, answerOpen, answerClose) = ("<think>", "</think>", "<answer>", "</answer>")
        }
        self.systemPrompt = systemPrompt ?? Self.paperSystemPrompt
            .replacingOccurrences(of: "[Think]/[/Think]", with: "\(reasoningOpen)/\(reasoningClose)")
            .replacingOccurrences(of: "[Ans]/[/Ans]", with: "\(answerOpen)/\(answerClose)")
    }

    /// The conversation the VLM sees for one question: this format's system prompt, then a user turn with the
    /// input video followed by the question (render it with ``QwenVL/ChatTemplate``).
    public func messages(question: String) -> [ChatMessage] {
        [ChatMessage(role: .system, text: systemPrompt), ChatMessage(role: .user, content: [.video, .text(question)])]
    }

    /// Renders reasoning and answer in this format (e.g. for SFT targets).
    public func format(reasoning: String, answer: String) -> String {
        "\(reasoningOpen)\(reasoning)\(reasoningClose)\(answerOpen)\(answer)\(answerClose)"
    }

    /// Splits a model output into reasoning and answer.
    ///
    /// The format holds **exactly** (``ParsedAnswer/followsFormat``, the format reward r_f = 1) when the output is
    /// `W₁ + reasoningOpen + R + reasoningClose + W₂ + answerOpen + A + answerClose + W₃` where
    /// - W₁, W₂, W₃ are whitespace only (possibly empty; "whitespace" as Swift's `Character.isWhitespace`);
    /// - each of the four tags occurs exactly once in the whole output (tags match case-sensitively), so R and A
    ///   contain no tag;
    /// - R and A are non-empty after trimming whitespace.
    ///
    /// Whatever the format, ``ParsedAnswer/answer`` holds a lenient extraction for scoring: the trimmed content of
    /// the first complete answer block; else the text after the last opening answer tag; else the text after the
    /// last closing reasoning tag; else the whole output — with any leftover tags removed and whitespace trimmed.
    public func parse(_ output: String) -> ParsedAnswer {
        let tags = [reasoningOpen, reasoningClose, answerOpen, answerClose]
        let reasoning = Self.firstBlock(in: output, open: reasoningOpen, close: reasoningClose)
            .map { Self.trimmed(Self.removing(tags, from: $0)) }
        let lenientAnswer = Self.trimmed(Self.removing(tags, from: lenientAnswerText(output)))
        return ParsedAnswer(
            reasoning: reasoning, answer: lenientAnswer, followsFormat: followsFormatExactly(output))
    }

    private func followsFormatExactly(_ output: String) -> Bool {
        var ranges: [Range<String.Index>] = []
        for tag in [reasoningOpen, reasoningClose, answerOpen, answerClose] {
            let occurrences = Self.ranges(of: tag, in: output)
            guard occurrences.count == 1 else { return false }
            ranges.append(occurrences[0])
        }
        for index in 1..<ranges.count where ranges[index].lowerBound < ranges[index - 1].upperBound { return false }
        let outside = [
            output[..<ranges[0].lowerBound], output[ranges[1].upperBound..<ranges[2].lowerBound],
            output[ranges[3].upperBound...],
        ]
        let reasoning = output[ranges[0].upperBound..<ranges[1].lowerBound]
        let answer = output[ranges[2].upperBound..<ranges[3].lowerBound]
        return outside.allSatisfy { $0.allSatisfy(\.isWhitespace) }
            && !Self.trimmed(Substring(reasoning)).isEmpty && !Self.trimmed(Substring(answer)).isEmpty
    }

    private func lenientAnswerText(_ output: String) -> Substring {
        if let block = Self.firstBlock(in: output, open: answerOpen, close: answerClose) { return block }
        if let open = Self.ranges(of: answerOpen, in: output).last { return output[open.upperBound...] }
        if let close = Self.ranges(of: reasoningClose, in: output).last { return output[close.upperBound...] }
        return Substring(output)
    }

    /// The text between the first `open` and the first `close` after it.
    private static func firstBlock(in text: String, open: String, close: String) -> Substring? {
        guard let openRange = ranges(of: open, in: text).first,
              let closeRange = ranges(of: close, in: Substring(text[openRange.upperBound...])).first
        else { return nil }
        return text[openRange.upperBound..<closeRange.lowerBound]
    }

    /// Non-overlapping occurrences, matched on Unicode scalars so a tag next to a combining mark is still found.
    private static func ranges(of tag: String, in text: some StringProtocol) -> [Range<String.Index>] {
        let scalars = text.unicodeScalars
        let pattern = Array(tag.unicodeScalars)
        var result: [Range<String.Index>] = []
        var index = scalars.startIndex
        while index != scalars.endIndex {
            if scalars[index...].starts(with: pattern) {
                let end = scalars.index(index, offsetBy: pattern.count)
                result.append(index..<end)
                index = end
            } else {
                index = scalars.index(after: index)
            }
        }
        return result
    }

    private static func removing(_ tags: [String], from text: Substring) -> Substring {
        var result = String(text)
        for tag in tags { result = result.replacingOccurrences(of: tag, with: " ") }
        return Substring(result)
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// The parts of one model output.
public struct ParsedAnswer: Sendable, Equatable {
    /// The trimmed content of the first reasoning block, if there is one.
    public var reasoning: String?
    /// The next-event description for scoring (lenient extraction; see ``AnswerFormat/parse(_:)``).
    public var answer: String
    /// Whether the output follows the format exactly (see ``AnswerFormat/parse(_:)``).
    public var followsFormat: Bool

    /// The format reward r_f: 1 when the format holds exactly, else 0.
    public var formatReward: Double { followsFormat ? 1 : 0 }
}
