import Foundation
import Testing
@testable import Data

@Suite("VANS-Synth world")
struct SynthWorldTests {
    static func seed(_ index: Int, kind: SampleKind, split: SynthSplit = .train) -> UInt64 {
        SynthWorld.sceneSeed(split: split, seed: 7, kind: kind, index: index)
    }

    // The same scene seed renders identical frames and identical texts.
    @Test(arguments: ["stacking", "sorting", "drawing", "rolling", "collision", "bouncing", "falling", "entering"])
    func deterministic(event: String) {
        let kind: SampleKind = SynthWorld.eventTypes[.procedural]!.contains(event) ? .procedural : .predictive
        let first = SynthWorld.render(sceneSeed: Self.seed(3, kind: kind), size: 32, eventType: event)
        let second = SynthWorld.render(sceneSeed: Self.seed(3, kind: kind), size: 32, eventType: event)
        #expect(first.eventType == event)
        #expect(first.inputFrames == second.inputFrames)
        #expect(first.questions.map(\.answerFrames) == second.questions.map(\.answerFrames))
        #expect(first.questions.map(\.caption) == second.questions.map(\.caption))
        #expect(first.questions.map(\.reasoning) == second.questions.map(\.reasoning))
        #expect(!first.questions.isEmpty)
        for question in first.questions {
            #expect(question.answerFrames.count == 17)
            #expect(question.alternatives.contains(question.caption))
            #expect(!question.question.isEmpty && !question.reasoning.isEmpty)
        }
        // Inputs last 2–3 s at 8 fps.
        #expect((16 ... 24).contains(first.inputFrames.count))
    }

    // Train and eval scene seeds can never coincide (split bit), and the kind is encoded too.
    @Test func splitsShareNoSeeds() {
        var train = Set<UInt64>(), evaluation = Set<UInt64>()
        for index in 0 ..< 2000 {
            for kind in SampleKind.allCases {
                let trainSeed = SynthWorld.sceneSeed(split: .train, seed: 1, kind: kind, index: index)
                let evalSeed = SynthWorld.sceneSeed(split: .eval, seed: 1, kind: kind, index: index)
                #expect(SynthWorld.split(ofSceneSeed: trainSeed) == .train && SynthWorld.split(ofSceneSeed: evalSeed) == .eval)
                #expect(SynthWorld.kind(ofSceneSeed: trainSeed) == kind)
                train.insert(trainSeed)
                evaluation.insert(evalSeed)
            }
        }
        #expect(train.isDisjoint(with: evaluation))
        #expect(train.count == 4000 && evaluation.count == 4000)
    }

    // The default eval split has exactly 400 procedural and 400 predictive samples, from eval seeds only.
    @Test func evaluationComposition() {
        let configuration = SynthConfiguration(count: SynthConfiguration.defaultEvaluationCount, seed: 0, split: .eval)
        let plan = SynthDataset.plan(configuration)
        let procedural = plan.filter { $0.kind == .procedural }.reduce(0) { $0 + $1.questionCount }
        let predictive = plan.filter { $0.kind == .predictive }.reduce(0) { $0 + $1.questionCount }
        #expect(procedural == 400 && predictive == 400)
        #expect(plan.allSatisfy { SynthWorld.split(ofSceneSeed: $0.sceneSeed) == .eval })
        #expect(Set(plan.map(\.sceneSeed)).count == plan.count)
        // The multi-future setting: many clips carry more than one question.
        #expect(plan.filter { $0.questionCount > 1 }.count > 100)
    }

    // Several questions on one clip lead to different futures: different captions and different answer videos.
    @Test(arguments: ["sorting", "rolling", "collision", "entering"])
    func questionsChangeTheFuture(event: String) {
        let kind: SampleKind = event == "sorting" ? .procedural : .predictive
        var multiFutureScenes = 0
        for index in 0 ..< 8 {
            let scene = SynthWorld.render(sceneSeed: Self.seed(index, kind: kind), size: 32, eventType: event)
            #expect(Set(scene.questions.map(\.future)).count == scene.questions.count)
            if scene.questions.count > 1 {
                multiFutureScenes += 1
                #expect(scene.questions[0].answerFrames != scene.questions[1].answerFrames)
                #expect(scene.questions[0].alternatives[0] != scene.questions[1].alternatives[0])
            }
        }
        #expect(multiFutureScenes >= 4)
    }

    // A fixed question template gets different answers on different input scenes: the video matters.
    @Test(arguments: ["stacking", "sorting", "drawing", "rolling", "falling", "bouncing"])
    func videoChangesTheAnswer(event: String) {
        let kind: SampleKind = SynthWorld.eventTypes[.procedural]!.contains(event) ? .procedural : .predictive
        var answersByQuestion: [String: Set<String>] = [:]
        for index in 0 ..< 16 {
            let scenario = SynthWorld.scenario(sceneSeed: Self.seed(index, kind: kind), fps: 8, eventType: event)
            let first = scenario.questions[0]
            answersByQuestion[first.question, default: []].insert(first.future)
        }
        // For at least one question text seen several times, the futures differ across scenes.
        #expect(answersByQuestion.values.contains { $0.count > 1 })
    }

    // The answer continues the input: same background and objects, so its first frame is close to the input's last.
    @Test(arguments: ["stacking", "sorting", "drawing", "rolling", "collision", "falling"])
    func answerContinuesInput(event: String) {
        let kind: SampleKind = SynthWorld.eventTypes[.procedural]!.contains(event) ? .procedural : .predictive
        let scene = SynthWorld.render(sceneSeed: Self.seed(1, kind: kind), size: 32, eventType: event)
        let last = scene.inputFrames[scene.inputFrames.count - 1].pixels
        let first = scene.questions[0].answerFrames[0].pixels
        let meanDifference = zip(last, first).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(last.count)
        #expect(meanDifference < 6, "mean |Δ| \(meanDifference)")
        // The top-left corner is background in every scene, and stays the same.
        #expect(Array(last[0 ..< 3]) == Array(first[0 ..< 3]))
    }

    // Captions are drawn skewed towards the plainest wording, but rarer wordings do occur.
    @Test func wordingsAreSkewed() {
        var random = SynthRandom(seed: 5)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0 ..< 4000 { counts[skewedWordingIndex(count: 5, random: &random)] += 1 }
        #expect(counts[0] > counts[1] && counts[1] > counts[2] && counts[2] > counts[4])
        #expect(counts[4] > 0)
        // Weights 1/(r+1)²: the plainest wording has probability 1/1.4636 ≈ 0.683.
        #expect(abs(Double(counts[0]) / 4000 - 1 / 1.463611) < 0.03)
    }
}

@Suite("VANS-Synth physics")
struct SynthPhysicsTests {
    // Every predictive scene shows an object in view at the input's last frame and keeps only questions with real futures.
    @Test(arguments: ["rolling", "collision", "bouncing", "falling", "entering"])
    func predictiveScenesAreWellFormed(event: String) {
        for index in 0 ..< 12 {
            let seed = SynthWorld.sceneSeed(split: .train, seed: 2, kind: .predictive, index: index)
            let scenario = SynthWorld.scenario(sceneSeed: seed, fps: 8, eventType: event)
            let last = scenario.input(scenario.timing.inputFrameCount - 1)
            #expect(last.objects.contains { $0.position.x + $0.radius > 0 && $0.position.x - $0.radius < 1 })
            #expect(scenario.questions.allSatisfy { !$0.future.isEmpty && $0.wordings.count >= 3 })
        }
    }

    // A ball rolling into a resting ball of the same size hands its motion on (restitution 0.9).
    @Test func headOnCollision() {
        let moving = SynthObject(shape: .ball, colour: .red, radius: 0.06, position: Point(0.3, floorY - 0.06))
        let resting = SynthObject(shape: .ball, colour: .blue, radius: 0.06, position: Point(0.5, floorY - 0.06))
        var world = PhysicsWorld(bodies: [Body(object: moving, velocity: Point(0.4, 0)), Body(object: resting, velocity: Point(0, 0))],
                                 walls: [], table: nil)
        let events = world.advance(to: 1)
        #expect(events.contains { if case .collided(0, 1, _, _) = $0 { return true } else { return false } })
        // Equal masses: v1' = 0.4 (1 − e) / 2 = 0.02, v2' = 0.4 (1 + e) / 2 = 0.38.
        #expect(abs(world.bodies[0].velocity.x - 0.02) < 1e-9)
        #expect(abs(world.bodies[1].velocity.x - 0.38) < 1e-9)
    }
}
