import Acquisition
import ChipEmulators
import ExerciseSimulator
import Foundation
import Testing
import TractionCore

/// `traction simulate --through-chips`: the scenario drives emulated chips, the real drivers read
/// them, and the acquisition loop writes the recording.
@Suite struct ThroughChipsTests {
  struct Run {
    var session: ThroughChipsSession
    var result: ThroughChipsResult
    var text: String
    var samples: [Sample]
    var truth: [ThetaPoint]
    var reader: RecordingReader
  }

  static func run(_ config: ScenarioConfig, _ options: ThroughChipsOptions = .init()) throws -> Run {
    let session = try ThroughChipsSession(config: config, options: options)
    let rec = try RecordingWriter(memoryNamed: "tc.csv", metadata: session.metadata, layout: session.layout)
    let truthW = try ThetaTraceWriter(memoryNamed: "tc.truth.csv")
    let result = try session.run(recording: rec, truth: truthW)
    let text = rec.writtenText
    var reader = try RecordingReader(text: text, name: "tc.csv")
    var samples: [Sample] = []
    while let s = try reader.next() { samples.append(s) }
    var tr = try TruthReader(text: truthW.writtenText, name: "tc.truth.csv")
    var truth: [ThetaPoint] = []
    while let p = try tr.next() { truth.append(p) }
    return Run(session: session, result: result, text: text, samples: samples, truth: truth, reader: reader)
  }

  /// Tilt of the sensor's z axis from vertical, degrees: |θ| when the sensor sits square on the
  /// back (no mounting tilt) and the trunk does not roll.
  static func tiltDeg(_ acc: SIMD3<Double>) -> Double {
    atan2((acc.x * acc.x + acc.y * acc.y).squareRoot(), acc.z) * 180 / .pi
  }

  static func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
  }

  @Test func cleanSessionWritesAValidRecordingWithTruthAndLabelsOnItsClock() throws {
    let config = ScenarioConfig(
      seed: 7, repCount: 2, variant: .basic, rateHz: 100, includeLoad: true, includeSacrum: true,
      sensorErrors: .noisy, maxMountTiltDeg: 0)
    let r = try Self.run(config)
    let plan = r.session.plan

    // A valid recording: metadata from the drivers, every column, one sample per IMU period.
    #expect(r.reader.metadata.rateHz == 100)
    #expect(r.reader.metadata.sensor == "MPU-6050 (emulated)")
    #expect(r.reader.layout.hasIMU && r.reader.layout.hasIMU2 && r.reader.layout.hasLoad && r.reader.layout.hasSeq)
    let expected = plan.duration * 100
    #expect(abs(Double(r.samples.count) - expected) < 3, "\(r.samples.count) samples for \(plan.duration) s")
    #expect(r.result.statistics.faults == 0)
    #expect(r.reader.gaps.isEmpty)
    #expect(r.samples.first?.t == 0)
    #expect(zip(r.samples, r.samples.dropFirst()).allSatisfy { $1.seq! == $0.seq! + 1 })

    // The truth trace has one point per sample, at the same times.
    #expect(r.truth.count == r.samples.count)
    #expect(zip(r.truth, r.samples).allSatisfy { abs($0.t - $1.t) < 1e-6 })

    // The chips measured the motion the truth describes at those times: the tilt the
    // accelerometer sees follows θ (no mounting tilt; linear accelerations are small).
    var errors: [Double] = []
    for (s, p) in zip(r.samples, r.truth) {
      guard let acc = s.imu?.acc else { continue }
      errors.append(abs(Self.tiltDeg(acc) - abs(p.thetaDeg)))
    }
    #expect(Self.percentile(errors, 0.5) < 0.6, "median tilt error \(Self.percentile(errors, 0.5))°")
    #expect(Self.percentile(errors, 0.95) < 2.5, "95th percentile \(Self.percentile(errors, 0.95))°")

    // The labels are the plan's, moved onto t_s by the time to the first sample (the chip's
    // first sample comes about a period after it starts).
    #expect(r.result.planOffsetSeconds >= 0 && r.result.planOffsetSeconds < 0.02)
    #expect(r.result.labels == ThroughChipsSession.labels(plan.labels, shiftedBy: -r.result.planOffsetSeconds))
    #expect(r.result.labels.reps.count == 2)
    // Each rep's labelled peak is where the truth trace peaks inside the rep.
    for rep in r.result.labels.reps {
      let inside = r.truth.filter { $0.t >= rep.start && $0.t <= rep.end }.map(\.thetaDeg)
      let peak = try #require(inside.max())
      #expect(abs(peak - rep.peakDeg) < 0.5, "rep peak \(peak) vs label \(rep.peakDeg)")
    }
  }

  @Test func loadCellValueIsHeldBetweenHX711Conversions() throws {
    let config = ScenarioConfig(seed: 11, repCount: 1, variant: .basic, rateHz: 100, includeLoad: true)
    let r = try Self.run(config, ThroughChipsOptions(loadChip: .hx711))
    #expect(r.result.loadReport?.chip == "HX711")
    let loads = r.samples.compactMap(\.loadN)
    #expect(loads.count == r.samples.count)
    // Runs of equal values: one per conversion, 10 per second (the bridge's noise makes every
    // conversion differ).
    var changes = 0
    for (a, b) in zip(loads, loads.dropFirst()) where a != b { changes += 1 }
    let seconds = r.samples.last!.t
    #expect(abs(Double(changes) - seconds * 10) < seconds * 0.5 + 2, "\(changes) changes in \(seconds) s")
    // And the held value is the force the plan put on the cell (the typical cell's noise is
    // about 0.1 N; a held value is at most one conversion old).
    let plan = r.session.plan
    var errs: [Double] = []
    for s in r.samples {
      guard let l = s.loadN else { continue }
      let t = s.t + r.result.planOffsetSeconds
      let lo = min(plan.idealLoadN(at: t), plan.idealLoadN(at: t - 0.15))
      let hi = max(plan.idealLoadN(at: t), plan.idealLoadN(at: t - 0.15))
      errs.append(l < lo ? lo - l : (l > hi ? l - hi : 0))
    }
    #expect(Self.percentile(errs, 0.95) < 0.6, "95th percentile load error \(Self.percentile(errs, 0.95)) N")
  }

  @Test func lsm6dsAndNAU7802WorkToo() throws {
    let config = ScenarioConfig(seed: 3, repCount: 1, variant: .anchored, rateHz: 100, includeLoad: true)
    let r = try Self.run(config, ThroughChipsOptions(imuChip: .lsm6ds, loadChip: .nau7802))
    #expect(r.result.imuReport?.chipName.hasPrefix("LSM6DS") == true)
    // The LSM6DS has no 100 Hz: the nearest output rate is 104 Hz, and the file says so.
    let rate = try #require(r.reader.metadata.rateHz)
    #expect(rate == r.result.rateHz && abs(rate - 104) < 1)
    #expect(abs(Double(r.samples.count) - r.session.plan.duration * rate) < 4)
    #expect(r.result.statistics.faults == 0)
    #expect(r.truth.count == r.samples.count)
  }

  @Test func injectedFaultsShowAsGapsNotesAndEventsAndNeverStopTheSession() throws {
    let config = ScenarioConfig(
      seed: 21, repCount: 2, variant: .mixed, rateHz: 100, includeLoad: true, includeSacrum: true)
    let options = ThroughChipsOptions(loadChip: .hx711, faults: Set(ChipFault.allCases))
    let r = try Self.run(config, options)
    let stats = r.result.statistics
    let plan = r.session.plan

    // It ran to the end of the plan.
    let last = try #require(r.samples.last)
    #expect(last.t + r.result.planOffsetSeconds > plan.duration - 1)
    #expect(r.result.injected.count >= 9)

    // Typed events: bus errors and a vanish on the IMU, timing overruns on the HX711, the IMU
    // and the load cell lost and back, the sacrum too.
    let faults = r.result.events.compactMap { if case .fault(let f) = $0 { f } else { nil } }
    #expect(faults.contains { $0.sensor == .imu && $0.kind == .bus })
    #expect(faults.contains { $0.sensor == .load && $0.kind == .timing })
    for sensor in AcquisitionSensor.allCases {
      #expect(
        r.result.events.contains { if case .sensorLost(let l) = $0 { l.sensor == sensor } else { false } },
        "\(sensor) reported lost")
      #expect(
        r.result.events.contains { if case .recovered(let x) = $0 { x.sensor == sensor } else { false } },
        "\(sensor) recovered")
    }
    #expect(stats.faults == faults.count)
    #expect(stats.faults(of: .timing) == 3)
    #expect(stats.recoveries >= 3 && stats.sensorsLost >= 3)

    // Gaps in t_s and seq, and the notes in the file.
    #expect(r.reader.gaps.count > 0 && r.reader.gaps.seqJumpCount > 0)
    #expect(r.text.contains("\n# fault: t="))
    #expect(r.text.contains("imu: I2C bus error"))
    #expect(r.text.contains("\n# sensor_lost: t="))
    #expect(r.text.contains("\n# recovered: t="))
    #expect(r.text.contains("\n# injected: plan t="))
    #expect(r.text.contains("\n# incomplete: t="))

    // While one sensor was down the others went on: samples kept coming without it (not written,
    // since the recording needs every column), and the time written is most of the session.
    #expect(r.result.incompleteSamples > 100)
    #expect(Double(r.samples.count) > 0.8 * plan.duration * 100)
    // Truth stays aligned with the samples written.
    #expect(r.truth.count == r.samples.count)
  }

  /// Short sessions with every fault: the schedule gives each room for its recovery, so the
  /// session still ends with every sensor back and samples to the end. (Seeds 104 and 106 have
  /// one long rep and little rest; 108 an HX711 and the sacrum.)
  @Test(arguments: [UInt64(104), 106, 108])
  func everyFaultInAShortSessionStillEndsWithEverySensorBack(seed: UInt64) throws {
    let sacrum = seed % 4 < 2
    var faults = Set(ChipFault.allCases)
    if !sacrum { faults.remove(.sacrumVanish) }
    let config = ScenarioConfig(
      seed: seed, rateHz: [50.0, 100, 200, 400][Int(seed % 4)], includeLoad: true, includeSacrum: sacrum)
    let r = try Self.run(
      config, ThroughChipsOptions(imuChip: .mpu6050, loadChip: seed % 3 == 0 ? .hx711 : .nau7802, faults: faults))
    #expect(r.truth.count == r.samples.count)
    let last = try #require(r.samples.last)
    #expect(last.t + r.result.planOffsetSeconds > r.session.plan.duration - 1)
    let stats = r.result.statistics
    #expect(stats.sensorsLost == faults.filter { $0 != .bus && $0 != .overrun }.count)
    #expect(stats.recoveries == stats.sensorsLost)
    #expect(!r.text.contains("not_injected"))
  }

  @Test func anObserverSeesEveryEventAndCanEndTheSessionEarly() throws {
    let config = ScenarioConfig(seed: 2, repCount: 1, rateHz: 100, includeLoad: true)
    let session = try ThroughChipsSession(config: config, options: ThroughChipsOptions(faults: [.bus]))
    let rec = try RecordingWriter(memoryNamed: "o.csv", metadata: session.metadata, layout: session.layout)
    var seen = 0
    let result = try session.run(recording: rec, truth: nil) { event in
      if case .sample = event { seen += 1 }
      return seen < 300
    }
    // The 300th sample ended it after being written (what the observer counted is what the
    // file holds); the file still ends with its summary.
    #expect(seen == 300 && result.samplesWritten == 300 && rec.sampleCount == 300)
    #expect(rec.writtenText.hasSuffix("\n") && rec.writtenText.contains("\n# end: 300 samples"))
    // A session runs once.
    #expect(throws: ThroughChipsError.self) { _ = try session.run(recording: nil, truth: nil) }
  }

  @Test func writesTheThreeFiles() throws {
    let dir = NSTemporaryDirectory() + "through-chips-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 5, repCount: 1, variant: .basic, rateHz: 50, includeLoad: false)
    let (summary, result) = try ThroughChipsSession.write(
      config: config, options: ThroughChipsOptions(faults: [.bus]), stem: dir + "/s5")
    #expect(summary.samples == result.samplesWritten)
    let labels = try SessionLabels.read(path: dir + "/s5.labels.json")
    #expect(labels.reps.count == 1)
    var reader = try RecordingReader(path: dir + "/s5.csv")
    var n = 0
    while try reader.next() != nil { n += 1 }
    #expect(n == result.samplesWritten)
    #expect(reader.metadata.note?.contains("--through-chips") == true)
    #expect(reader.metadata.note?.contains("faults=bus") == true)
  }

  @Test func optionsThatCannotWorkAreRefusedByName() {
    #expect(throws: ThroughChipsError.self) {
      _ = try ThroughChipsSession(config: ScenarioConfig(seed: 1, includeSqueeze: true))
    }
    #expect(throws: ThroughChipsError.self) {
      _ = try ThroughChipsSession(
        config: ScenarioConfig(seed: 1), options: ThroughChipsOptions(faults: [.sacrumVanish]))
    }
    do {
      _ = try ThroughChipsOptions.parseFaults("bus,nope")
      Issue.record("accepted an unknown fault")
    } catch {
      #expect(error.description.contains("'nope'") && error.description.contains("load-vanish"))
    }
    #expect((try? ThroughChipsOptions.parseFaults("all")) == Set(ChipFault.allCases))
    #expect((try? ThroughChipsOptions.parseFaults("none")) == [])
  }
}
