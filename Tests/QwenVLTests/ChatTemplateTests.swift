import Foundation
import Testing
@testable import QwenVL

/// chat_template.json, written by scripts/fixtures/text_metrics.py with transformers' apply_chat_template
/// and Qwen2_5_VLProcessor.
private struct ChatFixture: Decodable {
    struct Message: Decodable {
        let role: String
        let content: [ChatContentItem]

        enum CodingKeys: String, CodingKey { case role, content }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if let text = try? container.decode(String.self, forKey: .content) {
                content = [ChatContentItem(type: "text", text: text)]
            } else {
                content = try container.decode([ChatContentItem].self, forKey: .content)
            }
        }
    }
    struct ChatContentItem: Decodable {
        let type: String
        let text: String?
    }
    struct Case: Decodable {
        let messages: [Message]
        let add_generation_prompt: Bool
        let add_vision_id: Bool
        let rendered: String
        let image_grids: [[Int]]
        let video_grids: [[Int]]
        let expanded: String
    }
    let cases: [Case]
}

@Suite("Qwen2.5-VL chat template")
struct ChatTemplateTests {
    private func load() throws -> ChatFixture {
        let url = try #require(Bundle.module.url(forResource: "chat_template", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(ChatFixture.self, from: Data(contentsOf: url))
    }

    private func messages(_ items: [ChatFixture.Message]) throws -> [ChatMessage] {
        try items.map { message in
            let role = try #require(ChatMessage.Role(rawValue: message.role))
            return ChatMessage(role: role, content: try message.content.map { item in
                switch item.type {
                case "image": return .image
                case "video": return .video
                default: return .text(try #require(item.text))
                }
            })
        }
    }

    private func grids(_ values: [[Int]]) -> [VisionGrid] {
        values.map { VisionGrid(temporal: $0[0], height: $0[1], width: $0[2]) }
    }

    // Rendering and pad expansion give exactly transformers' strings on every fixture conversation.
    @Test func matchesTransformers() throws {
        let template = ChatTemplate()
        for item in try load().cases {
            let rendered = template.render(
                try messages(item.messages), addGenerationPrompt: item.add_generation_prompt,
                addVisionIdentifiers: item.add_vision_id)
            #expect(rendered == item.rendered)
            let expanded = try template.expandVisionPlaceholders(
                in: rendered, imageGrids: grids(item.image_grids), videoGrids: grids(item.video_grids))
            #expect(expanded == item.expanded)
        }
    }

    // A video grid (t, h, w) becomes t·h·w/4 pad tokens between the vision start and end tokens.
    @Test func videoExpansionCount() throws {
        let prompt = ChatTemplate().render([ChatMessage(role: .user, content: [.video, .text("Next?")])], addGenerationPrompt: true)
        let expanded = try ChatTemplate().expandVisionPlaceholders(
            in: prompt, imageGrids: [], videoGrids: [VisionGrid(temporal: 9, height: 36, width: 64)])
        #expect(expanded.components(separatedBy: ChatTemplate.videoPad).count - 1 == 9 * 36 * 64 / 4)
        #expect(expanded.hasPrefix("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>"))
    }

    // Placeholder and grid counts must agree, and grids must split into merged blocks.
    @Test func mismatchesThrow() {
        let prompt = ChatTemplate().render([ChatMessage(role: .user, content: [.video])], addGenerationPrompt: false)
        #expect(throws: QwenVLError.placeholderCountMismatch(kind: "video", placeholders: 1, grids: 0)) {
            try ChatTemplate().expandVisionPlaceholders(in: prompt, imageGrids: [], videoGrids: [])
        }
        #expect(throws: QwenVLError.placeholderCountMismatch(kind: "image", placeholders: 0, grids: 1)) {
            try ChatTemplate().expandVisionPlaceholders(
                in: prompt, imageGrids: [VisionGrid(temporal: 1, height: 2, width: 2)],
                videoGrids: [VisionGrid(temporal: 1, height: 2, width: 2)])
        }
        #expect(throws: QwenVLError.invalidGrid(kind: "video", index: 0, grid: [1, 3, 2], mergeSize: 2)) {
            try ChatTemplate().expandVisionPlaceholders(
                in: prompt, imageGrids: [], videoGrids: [VisionGrid(temporal: 1, height: 3, width: 2)])
        }
    }
}
