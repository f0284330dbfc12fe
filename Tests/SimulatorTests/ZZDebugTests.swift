import Acquisition
import ChipEmulators
import ExerciseSimulator
import Testing
import TractionCore

@Suite struct ZZDebug {
  @Test func firstEvents() throws {
    let config = ScenarioConfig(seed: 7, repCount: 2, variant: .basic, rateHz: 100, includeLoad: true, includeSacrum: true, maxMountTiltDeg: 0)
    let session = try ThroughChipsSession(config: config)
    let rec = try RecordingWriter(memoryNamed: "tc.csv", metadata: session.metadata, layout: session.layout)
    let truthW = try ThetaTraceWriter(memoryNamed: "tc.truth.csv")
    let t0 = session.clock.nowNanoseconds
    let result = try session.run(recording: rec, truth: truthW)
    print("origin", t0, "offset", result.planOffsetSeconds, result.imuReport!)
    print(rec.writtenText.prefix(1500))
  }
}
