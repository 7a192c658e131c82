import Testing
import QwenVL
@testable import VANS

@Suite("VANS answer format")
struct AnswerFormatTests {
    // The default system prompt is the paper's Appendix C.2 text, verbatim.
    @Test func paperPromptIsDefault() {
        let expected = "You will be given a video. Your task is to predict the next event based on the input video and the user\u{2019}s instructions. Please begin by providing your detailed reasoning between the [Think]/[/Think] tags, followed by your detailed description of the next event within the [Ans]/[/Ans] tags."
        #expect(AnswerFormat().systemPrompt == expected)
        #expect(AnswerFormat.paperSystemPrompt == expected)
        #expect(AnswerFormat(style: .angleTags).systemPrompt.contains("<think>/</think> tags"))
        #expect(AnswerFormat(style: .angleTags).systemPrompt.contains("<answer>/</answer> tags"))
    }

    // A well-formed output (surrounding whitespace allowed) gives r_f = 1 and both parts, trimmed.
    @Test func exactFormatParses() {
        let parsed = AnswerFormat().parse("  \n[Think] The pan is hot. [/Think]\n\n[Ans] He adds the eggs. [/Ans]\n")
        #expect(parsed.followsFormat)
        #expect(parsed.formatReward == 1)
        #expect(parsed.reasoning == "The pan is hot.")
        #expect(parsed.answer == "He adds the eggs.")
        let angle = AnswerFormat(style: .angleTags)
        #expect(angle.parse(angle.format(reasoning: "r", answer: "a")) == ParsedAnswer(reasoning: "r", answer: "a", followsFormat: true))
    }

    // Anything else breaks the exact format: text outside, repeated, missing, misordered or empty blocks, other style.
    @Test func deviationsBreakFormat() {
        let format = AnswerFormat()
        let broken = [
            "Sure! [Think]a[/Think][Ans]b[/Ans]",
            "[Think]a[/Think] so [Ans]b[/Ans]",
            "[Think]a[/Think][Ans]b[/Ans] Done.",
            "[Think]a[/Think][Ans]b[/Ans][Ans]c[/Ans]",
            "[Think]a[/Think][Think]a[/Think][Ans]b[/Ans]",
            "[Ans]b[/Ans][Think]a[/Think]",
            "[Think]a[/Think][Ans]  [/Ans]",
            "[Think] [/Think][Ans]b[/Ans]",
            "[Think]a[/Think][Ans]b",
            "[Ans]b[/Ans]",
            "[think]a[/think][ans]b[/ans]",
            "<think>a</think><answer>b</answer>",
            "",
        ]
        for output in broken {
            #expect(!format.parse(output).followsFormat, "\(output.debugDescription)")
            #expect(format.parse(output).formatReward == 0)
        }
    }

    // The lenient answer takes the answer block, else text after an unclosed answer tag or the reasoning, else all.
    @Test func lenientAnswerExtraction() {
        let format = AnswerFormat()
        #expect(format.parse("Sure! [Think]a[/Think] so [Ans] b [/Ans] bye").answer == "b")
        #expect(format.parse("[Think]a[/Think][Ans] the man leaves").answer == "the man leaves")
        #expect(format.parse("[Think]a[/Think] the man leaves").answer == "the man leaves")
        #expect(format.parse("  the man leaves ").answer == "the man leaves")
        #expect(format.parse("[Think]unfinished thought").reasoning == nil)
        #expect(format.parse("[Think]a[/Think][Ans][Ans]b[/Ans]").answer == "b")
    }

    // The evaluation prompt renders as system prompt, then video placeholder and question, then the assistant turn.
    @Test func promptRendersWithChatTemplate() {
        let prompt = ChatTemplate().render(AnswerFormat().messages(question: "What happens next?"), addGenerationPrompt: true)
        #expect(prompt == "<|im_start|>system\n\(AnswerFormat.paperSystemPrompt)<|im_end|>\n<|im_start|>user\n"
            + "<|vision_start|><|video_pad|><|vision_end|>What happens next?<|im_end|>\n<|im_start|>assistant\n")
    }
}
