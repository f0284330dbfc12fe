import ExerciseSimulator
import Foundation
import Testing
import TractionCore

private func maxDiff(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
  let d = a - b
  return max(abs(d.x), abs(d.y), abs(d.z))
}

@Suite struct SimulatedFilesTests {
  /// The written files read back (with the project's own readers) as the generator's samples,
  /// the reader sees the simulated drops and gaps, and the truth lines up sample for sample.
  @Test func filesReadBackAsGenerated() throws {
    let dir = NSTemporaryDirectory() + "sim-files-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(
      seed: 77, repCount: 1, variant: .anchored, rateHz: 100, includeSqueeze: true, includeSacrum: true,
      distractors: [.drop, .gap, .jitter, .tap], sensorErrors: .quantised)
    let stem = dir + "/s77"
    let summary = try SimulatedRecordingFiles.write(config: config, stem: stem)
    let expected = Array(IteratorSequence(try SessionGenerator(config)))
    #expect(summary.samples == expected.count)

    var reader = try RecordingReader(path: stem + ".csv")
    #expect(reader.metadata.rateHz == 100)
    #expect(reader.layout.hasIMU && reader.layout.hasIMU2 && reader.layout.hasLoad && reader.layout.hasSqueeze)
    var truth = try TruthReader(path: stem + ".truth.csv")
    var i = 0
    var missingSeq: Int64 = 0
    var previousSeq: Int64?
    while let s = try reader.next() {
      let e = expected[i]
      #expect(abs(s.t - e.sample.t) <= 5e-7)
      let a = try #require(s.imu)
      let b = try #require(e.sample.imu)
      #expect(maxDiff(a.acc, b.acc) <= 5e-6 && maxDiff(a.gyr, b.gyr) <= 5e-7)
      #expect(abs((s.loadN ?? .nan) - (e.sample.loadN ?? .nan)) <= 5e-4)
      #expect(s.seq == e.sample.seq)
      if let p = previousSeq, let q = s.seq { missingSeq += q - p - 1 }
      previousSeq = s.seq
      let point = try #require(try truth.next())
      #expect(abs(point.t - s.t) <= 5e-7)
      #expect(abs(point.thetaDeg - e.thetaDeg) <= 5e-5)
      i += 1
    }
    #expect(i == expected.count)
    #expect(try truth.next() == nil)
    #expect(missingSeq > 0)
    #expect(reader.gaps.seqMissingSamples == missingSeq)
    // Every seq jump is also a time gap to the reader, and jitter alone never is.
    #expect(reader.gaps.count == reader.gaps.seqJumpCount)

    let labels = try SessionLabels.read(path: stem + ".labels.json")
    #expect(labels == (try SessionPlan(config)).labels)
  }
}
