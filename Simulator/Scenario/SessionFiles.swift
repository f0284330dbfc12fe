import Foundation
import TractionCore

/// What was written for one simulated session.
public struct SimulatedRecordingSummary: Sendable, Equatable, Codable {
  public var name: String
  public var seed: UInt64
  public var rateHz: Double
  public var variantPerRep: [ExerciseVariant]
  public var repCount: Int
  public var holdCount: Int
  public var breathStepCount: Int
  public var imu: Bool
  public var load: Bool
  public var squeeze: Bool
  public var sacrum: Bool
  public var sensorErrors: SensorErrorModel
  public var distractors: [Distractor]
  public var durationS: Double
  public var samples: Int

  enum CodingKeys: String, CodingKey {
    case name, seed
    case rateHz = "rate_hz"
    case variantPerRep = "variant_per_rep"
    case repCount = "reps"
    case holdCount = "holds"
    case breathStepCount = "breath_steps"
    case imu, load, squeeze, sacrum
    case sensorErrors = "sensor_errors"
    case distractors
    case durationS = "duration_s"
    case samples
  }
}

/// Writes a simulated session as `STEM.csv`, `STEM.labels.json` and `STEM.truth.csv`, streaming
/// the samples straight from the generator to the files.
public enum SimulatedRecordingFiles {
  /// The metadata a simulated recording carries: rate, `sensor: simulated`, placement, and a
  /// note with the seed so the file says how to make it again.
  public static func metadata(for config: ScenarioConfig) -> RecordingMetadata {
    var m = RecordingMetadata(
      rateHz: config.rateHz, sensor: "simulated",
      placement: config.includeIMU ? "upper-back" : "elbow-platform")
    if config.sensorErrors == .quantised {
      m.accelRangeG = 4
      m.gyroRangeDps = 500
    }
    let d = config.distractors.sorted().map(\.rawValue).joined(separator: "+")
    m.note =
      "traction simulate seed=\(config.seed) variant=\(config.variant.rawValue)"
      + " distractors=\(d.isEmpty ? "none" : d)"
    return m
  }

  public static func layout(for config: ScenarioConfig) -> RecordingLayout {
    RecordingLayout(
      imu: config.includeIMU, imu2: config.includeIMU && config.includeSacrum,
      load: config.includeLoad, squeeze: config.includeSqueeze, seq: true)
  }

  /// Opens `STEM.csv` for a simulated session, after checking all three files it will write.
  /// Files there are replaced only when they are an earlier simulated session: `STEM.csv` says
  /// `traction simulate` in its note and has its labels beside it (the seed gives it again).
  /// Otherwise any of `STEM.csv`, `STEM.labels.json`, `STEM.truth.csv` that exists (a recorded
  /// session, hand-made labels) is refused and left as it is (`.alreadyExists`, naming it), and
  /// so is anything that is not a regular file (a FIFO would block the open). Returns the writer
  /// and, when an earlier simulated session was removed to make room, its note.
  static func openRecording(stem: String, metadata: RecordingMetadata, layout: RecordingLayout)
    throws(RecordingError) -> (RecordingWriter, replaced: String?)
  {
    let path = stem + ".csv"
    let labels = RecordingCompanions.labelsPath(forRecording: path)
    let truth = RecordingCompanions.truthPath(forRecording: path)
    for file in [path, labels, truth] {
      if let kind = RecordingCompanions.notRegularFile(file) {
        throw RecordingError(
          .writeFailed, file: file, reason: "not a regular file but \(kind); nothing was written. Choose another name")
      }
    }
    let earlierNote = RecordingCompanions.isPresent(labels) ? earlierSimulationNote(path) : nil
    let earlierSimulation = earlierNote != nil
    if !earlierSimulation {
      if RecordingCompanions.isPresent(path) {
        let why =
          RecordingCompanions.isPresent(labels) ? "its note does not say `traction simulate`" : "no \(labels) beside it"
        throw RecordingError(
          .alreadyExists, file: path,
          reason: "already exists and is not a simulated session (\(why)); it is left as it is. Choose another name")
      }
      for file in [labels, truth] where RecordingCompanions.isPresent(file) {
        throw RecordingError(
          .alreadyExists, file: file,
          reason: "already exists, and \(path) is not a simulated session beside it; it is left as it is "
            + "(nothing was written). Choose another name")
      }
    }
    if earlierSimulation {
      // Removed, not written over: a companion that is a link (to a file of the user's) goes, and
      // what it pointed to stays as it was.
      for file in [path, labels, truth] where unlink(file) != 0 && errno != ENOENT {
        throw RecordingError(
          .writeFailed, file: file, reason: "cannot replace the earlier simulation: \(String(cString: strerror(errno)))"
        )
      }
    }
    do {
      let writer = try RecordingWriter(path: path, metadata: metadata, layout: layout, replaceExisting: false)
      return (writer, earlierNote)
    } catch  where error.kind == .alreadyExists {
      // Created since the checks above.
      throw RecordingError(
        .alreadyExists, file: path,
        reason: "already exists and is not a simulated session; it is left as it is. Choose another name")
    }
  }

  /// Opens `STEM.csv` (`openRecording`) and runs `write`, which fills it and writes
  /// `STEM.labels.json` and `STEM.truth.csv`. The three are this simulation's own: if one cannot
  /// be written whole (a full disk), all three go, rather than a cut recording beside whole labels;
  /// if an earlier simulation was removed to make room, the error says it is gone and how to make
  /// it again.
  public static func writeWholeOrNone<T>(
    stem: String, metadata: RecordingMetadata, layout: RecordingLayout, _ write: (RecordingWriter) throws -> T
  ) throws -> T {
    let (recording, earlier) = try openRecording(stem: stem, metadata: metadata, layout: layout)
    do {
      return try write(recording)
    } catch {
      try? recording.close()
      for file in [stem + ".csv", stem + ".labels.json", stem + ".truth.csv"] { unlink(file) }
      guard let earlier else { throw error }
      let gone =
        "; nothing of this session was kept, and the earlier simulated \(stem) (\(earlier)) was removed "
        + "before it: `traction simulate` with that seed makes it again"
      switch error {
      case var e as RecordingError:
        e.reason += gone
        throw e
      case ThroughChipsError.recording(var e):
        e.reason += gone
        throw ThroughChipsError.recording(e)
      default:
        throw error
      }
    }
  }

  /// The note of `path` when it is a recording this simulator wrote: it starts `traction simulate`
  /// (`seed=…` and the options follow).
  static func earlierSimulationNote(_ path: String) -> String? {
    guard let reader = try? RecordingReader(path: path), let note = reader.metadata.note,
      note.hasPrefix("traction simulate")
    else { return nil }
    return note
  }

  /// Generates and writes one session; `stem` is the path without extension. The parent
  /// directory must exist. An earlier simulated session of the same name is replaced (the seed
  /// gives it again); any other `STEM.csv` is refused (`openRecording`).
  @discardableResult
  public static func write(config: ScenarioConfig, stem: String) throws -> SimulatedRecordingSummary {
    let gen = try SessionGenerator(config)
    let plan = gen.plan
    let count = try writeWholeOrNone(stem: stem, metadata: metadata(for: config), layout: layout(for: config)) {
      recording in
      try plan.labels.write(path: stem + ".labels.json")
      let truth = try ThetaTraceWriter(path: stem + ".truth.csv")
      var count = 0
      for s in IteratorSequence(gen) {
        try recording.write(s.sample)
        try truth.write(t: s.sample.t, thetaDeg: s.thetaDeg)
        count += 1
      }
      try recording.close()
      try truth.close()
      return count
    }
    return SimulatedRecordingSummary(
      name: (stem as NSString).lastPathComponent, seed: config.seed, rateHz: config.rateHz,
      variantPerRep: plan.labels.variantPerRep, repCount: plan.labels.reps.count,
      holdCount: plan.labels.holds.count, breathStepCount: plan.labels.breathSteps.count,
      imu: config.includeIMU, load: config.includeLoad, squeeze: config.includeSqueeze,
      sacrum: config.includeIMU && config.includeSacrum, sensorErrors: config.sensorErrors,
      distractors: config.distractors.sorted(), durationS: plan.duration, samples: count)
  }
}

/// A varied development corpus from consecutive seeds. Recording `i` (seed `firstSeed + i`)
/// gets its variant, rate, channels, sensor model and distractors from `i` and its seed so that
/// any 10 consecutive recordings include: two clean sessions and two with every distractor (the
/// others have a random mix that always holds distractor `i mod 8`), basic, anchored and mixed
/// sessions, load-only, IMU-only, IMU + load, squeeze and sacrum recordings, both noisy and
/// quantised sensors. The first five use 50, 100, 200, 400 and 250 Hz; later ones draw 50–400 Hz.
public enum SimulatedCorpus {
  public static func config(index i: Int, firstSeed: UInt64) -> ScenarioConfig {
    let seed = firstSeed &+ UInt64(i)
    var r = SeededRandom(seed: seed, stream: 9)
    let variants: [VariantChoice] = [.basic, .anchored, .mixed]
    let fixedRates: [Double] = [50, 100, 200, 400, 250]
    let rate = i < fixedRates.count ? fixedRates[i] : Double(Int(r.uniform(50, 400.999)))
    let loadOnly = i % 10 == 3
    let imuOnly = i % 10 == 6
    var distractors: Set<Distractor> = []
    switch i % 10 {
    case 0, 5: break  // clean
    case 4, 9: distractors = Set(Distractor.allCases)
    default:
      for d in Distractor.allCases where r.bool(0.4) { distractors.insert(d) }
      distractors.insert(Distractor.allCases[i % Distractor.allCases.count])
    }
    return ScenarioConfig(
      seed: seed, repCount: nil, variant: variants[i % 3], rateHz: rate, includeIMU: !loadOnly,
      includeLoad: !imuOnly, includeSqueeze: !imuOnly && i % 2 == 0,
      includeSacrum: !loadOnly && i % 4 == 1, distractors: distractors,
      sensorErrors: i % 2 == 1 ? .quantised : .noisy)
  }

  /// Writes `count` recordings `sim-SEED.*` into `directory` (created if needed) and an
  /// `index.json` listing them. `progress` is called after each recording.
  @discardableResult
  public static func write(
    directory: String, count: Int, firstSeed: UInt64,
    progress: (SimulatedRecordingSummary) -> Void = { _ in }
  ) throws -> [SimulatedRecordingSummary] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let index = (directory as NSString).appendingPathComponent("index.json")
    if let kind = RecordingCompanions.notRegularFile(index) {
      throw RecordingError(.writeFailed, file: index, reason: "not a regular file but \(kind); nothing was written")
    }
    var out: [SimulatedRecordingSummary] = []
    for i in 0..<count {
      let c = config(index: i, firstSeed: firstSeed)
      let stem = (directory as NSString).appendingPathComponent("sim-\(c.seed)")
      let s = try SimulatedRecordingFiles.write(config: c, stem: stem)
      out.append(s)
      progress(s)
    }
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    var data = try enc.encode(out)
    data.append(0x0A)
    try data.write(to: URL(fileURLWithPath: index))
    return out
  }
}
