import Acquisition
import ExerciseSimulator
import Testing
import TractionCore

/// End to end: a session read through the emulated chips, replayed by the session analyzer,
/// finds the scenario's reps and holds. This is the check that the live path (drivers,
/// acquisition loop, recording) keeps what the detector needs.
@Suite struct ThroughChipsReplayTests {
  static func replay(_ config: ScenarioConfig, _ options: ThroughChipsOptions) throws
    -> (detected: SessionSummary, labels: SessionLabels, score: RecordingDetectionScore)
  {
    let r = try ThroughChipsTests.run(config, options)
    // The pipeline `traction replay` runs.
    var analyzer = SessionAnalyzer<InclinationFilter>(makeEstimator: { InclinationFilter() })
    for s in r.samples { _ = analyzer.process(s) }
    let summary = analyzer.finish()
    let score = DetectionScoring.score(name: "tc", detected: summary.labels, labelled: r.result.labels)
    return (summary, r.result.labels, score)
  }

  @Test(arguments: [
    (UInt64(7), EmulatedIMUChip.mpu6050, EmulatedLoadChip.nau7802, Set<ChipFault>()),
    (UInt64(12), EmulatedIMUChip.lsm6ds, EmulatedLoadChip.hx711, Set<ChipFault>()),
    (UInt64(21), EmulatedIMUChip.mpu6050, EmulatedLoadChip.hx711, Set<ChipFault>([.bus, .overrun])),
    (
      UInt64(33), EmulatedIMUChip.mpu6050, EmulatedLoadChip.nau7802,
      Set<ChipFault>([.bus, .overrun, .vanish, .loadVanish])
    ),
  ])
  func replayFindsTheScenariosRepsAndHolds(
    seed: UInt64, imu: EmulatedIMUChip, load: EmulatedLoadChip, faults: Set<ChipFault>
  ) throws {
    let config = ScenarioConfig(seed: seed, repCount: 2, variant: .mixed, rateHz: 100, includeLoad: true)
    let (summary, labels, score) = try Self.replay(
      config, ThroughChipsOptions(imuChip: imu, loadChip: load, faults: faults))
    #expect(score.reps.truePositives == labels.reps.count && score.reps.falsePositives == 0)
    #expect(score.holds.truePositives == labels.holds.count && score.holds.falsePositives == 0)
    #expect(score.holdKindAgreements == score.holds.truePositives)
    #expect(score.breathSteps.truePositives == labels.breathSteps.count && score.breathSteps.falsePositives == 0)
    #expect(summary.mode == .imu)
  }
}
