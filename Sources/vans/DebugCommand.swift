// `vans debug …`: the conformance entry points. Each reads named tensors from a safetensors file, runs one
// model component in float32 (whatever the stored weight dtype) and writes named tensors back, so a
// reference script can compare them with PyTorch.
import ArgumentParser

struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Run one model component on tensors from a safetensors file (conformance checks).",
        subcommands: [
            // One line per component; each command lives in its own file (Debug<Component>Command.swift).
            DebugUMT5Command.self,
            DebugCLIPCommand.self,
            DebugI3DCommand.self,
            DebugFrechetCommand.self,
            DebugWanVAECommand.self,
            DebugWanTransformerCommand.self,
            DebugWanSampleCommand.self,
            DebugQwenCommand.self,
        ]
    )
}
