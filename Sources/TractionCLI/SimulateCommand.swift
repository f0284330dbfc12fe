import ArgumentParser
import ExerciseSimulator
import Foundation
import TractionCore

extension VariantChoice: ExpressibleByArgument {}
extension SensorErrorModel: ExpressibleByArgument {}

/// `traction simulate`: synthetic sessions with labels and the true angle, for development and
/// evaluation without a person on the floor.
public struct SimulateCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Write a simulated session (recording, labels, true angle) or a whole corpus.",
    discussion: """
      A session is a person doing prone lumbar extension with elbow traction, from the seed: \
      3+ s lying still, 1–4 reps (basic: rise onto the elbows, traction hold, down; anchored: \
      traction hold, three breath steps, top hold, down), rests between, breathing ripple and \
      tremor throughout. The IMU sits on the upper back at a random tilt and twist. Each \
      recording NAME.csv comes with NAME.labels.json (reps, holds, breath steps) and \
      NAME.truth.csv (the true extension angle at every sample). The same options and seed \
      always give the same files.

      Distractors (--distractors, a comma list, `all` or `none`): \
      \(Distractor.allCases.map(\.rawValue).joined(separator: ", ")). None of them is ever \
      labelled as an event.

      Examples (one session; a basic session at 200 Hz; a load-cell-only session; a session with \
      a sacrum IMU and three distractors; the development corpus):
        traction simulate --seed 7 --out s7
        traction simulate --seed 8 --out runs/a8 --variant basic --reps 3 --rate 200
        traction simulate --seed 9 --out b9 --no-imu --squeeze
        traction simulate --seed 3 --out c3 --sacrum --distractors roll,cough,gap
        traction simulate --corpus corpus --count 40 --seed 1000

      With --through-chips the scenario drives emulated chips (MPU-6050 or LSM6DS, NAU7802 or \
      HX711) that the real drivers read through the acquisition loop, as on the Pi; --faults \
      injects bus errors, readout overruns and chips that vanish, which show as gaps and \
      `# fault:` notes. For example:
        traction simulate --seed 7 --out c7 --through-chips --load-chip hx711 --faults all --sacrum
      """)

  // Numeric options take a value with a leading '-' (`--rate -5`), so `validate()` says what is
  // wrong with it instead of "missing value".
  @Option(parsing: .unconditional, help: "Seed of the session (of the first recording with --corpus).")
  public var seed: UInt64 = 1

  @Option(
    help: ArgumentHelp(
      "Write NAME.csv, NAME.labels.json and NAME.truth.csv (an earlier simulated NAME is replaced: the "
        + "seed gives it again; any other file of these names is never).",
      valueName: "NAME"))
  public var out: String?

  @Option(parsing: .unconditional, help: "Number of reps, 1–4 (default: drawn from the seed).")
  public var reps: Int?

  @Option(help: "Variant of the reps: basic, anchored, or mixed (each rep at random).")
  public var variant: VariantChoice = .mixed

  @Option(parsing: .unconditional, help: ArgumentHelp("Nominal sample rate, 50–400 Hz.", valueName: "HZ"))
  public var rate: Double = 100

  @Flag(inversion: .prefixedNo, help: "Include the elbow-platform force load_n.")
  public var load = true

  @Flag(inversion: .prefixedNo, help: "Include the upper-back IMU (--no-imu: a load-cell-only recording).")
  public var imu = true

  @Flag(help: "Include the knee squeeze force squeeze_n.")
  public var squeeze = false

  @Flag(help: "Include a second IMU on the sacrum (acc2_*, gyr2_*).")
  public var sacrum = false

  @Option(help: ArgumentHelp("Distractors: a comma list, `all` or `none`.", valueName: "LIST"))
  public var distractors: String = "none"

  @Option(help: "Sensor errors: ideal (exact physics), noisy, or quantised (16-bit, ±4 g, ±500 °/s).")
  public var sensor: SensorErrorModel = .noisy

  @Option(help: ArgumentHelp("Write a varied corpus into DIR instead of one session.", valueName: "DIR"))
  public var corpus: String?

  @Option(parsing: .unconditional, help: "Number of recordings with --corpus (seeds seed…seed+N−1).")
  public var count: Int = 40

  @Flag(help: "Print nothing on success.")
  public var quiet = false

  @Flag(
    help:
      "Run the scenario through emulated chips read by the real drivers and the acquisition loop (the path a live run takes) instead of writing ideal samples."
  )
  public var throughChips = false

  @Option(help: "With --through-chips: the IMU chip, mpu6050 or lsm6ds. (default: mpu6050)")
  public var imuChip: EmulatedIMUChip?

  @Option(help: "With --through-chips: the load-cell ADC, nau7802 or hx711. (default: nau7802)")
  public var loadChip: EmulatedLoadChip?

  @Option(
    help: ArgumentHelp(
      "With --through-chips: faults to inject (\(ChipFault.allCases.map(\.rawValue).joined(separator: ", ")), `all` or `none`; `all` is those that fit the sensors simulated).",
      valueName: "LIST"))
  public var faults: String = "none"

  public init() {}

  /// Parses `--distractors`: a comma list of names, `all`, or `none`.
  public static func parseDistractors(_ text: String) throws -> Set<Distractor> {
    let allowed = (Distractor.allCases.map(\.rawValue) + ["all", "none"]).joined(separator: ", ")
    var out: Set<Distractor> = []
    let names = text.split(separator: ",", omittingEmptySubsequences: false)
    for raw in names {
      let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
      switch name {
      case "all", "none":
        // Alone only: beside anything else the list contradicts itself (`all,none`).
        guard names.count == 1 else {
          throw ValidationError("--distractors: '\(name)' stands alone, not in a list ('\(text)')")
        }
        if name == "all" { out.formUnion(Distractor.allCases) }
      default:
        guard let d = Distractor(rawValue: name) else {
          throw ValidationError("--distractors: unknown distractor '\(name)' (allowed: \(allowed))")
        }
        out.insert(d)
      }
    }
    return out
  }

  public func validate() throws {
    if corpus == nil && out == nil {
      throw ValidationError("give --out NAME for one session, or --corpus DIR --count N for a corpus")
    }
    if corpus != nil && out != nil {
      throw ValidationError("--out and --corpus exclude each other")
    }
    if let out, let problem = RecordingCompanions.stemProblem(out) {
      throw ValidationError(
        "--out '\(out)' \(problem): give NAME, and the session is written to NAME.csv, NAME.labels.json "
          + "and NAME.truth.csv (e.g. --out s7 or --out runs/s7)")
    }
    if let corpus, corpus.isEmpty {
      throw ValidationError("--corpus needs a folder name, e.g. --corpus corpus")
    }
    if let r = reps, !ScenarioConfig.repRange.contains(r) {
      throw ValidationError("--reps must be 1, 2, 3 or 4 (got \(r))")
    }
    if !rate.isFinite || !ScenarioConfig.rateRange.contains(rate) {
      throw ValidationError("--rate must be between 50 and 400 Hz (got \(rate))")
    }
    if !imu && !load {
      throw ValidationError("--no-imu and --no-load leave nothing to record: keep the IMU or the load cell")
    }
    if !imu && sacrum {
      throw ValidationError("--sacrum needs the upper-back IMU (drop --no-imu)")
    }
    if corpus != nil && !(1...100_000).contains(count) {
      throw ValidationError("--count must be between 1 and 100000 (got \(count))")
    }
    if corpus != nil && seed > UInt64.max - UInt64(count - 1) {
      // Recording i has seed + i: past the largest seed the names would wrap round to sim-0.
      throw ValidationError("--seed \(seed) with --count \(count) runs past the largest seed, \(UInt64.max)")
    }
    _ = try Self.parseDistractors(distractors)
    try validateThroughChips()
  }

  public func run() async throws {
    if let dir = corpus {
      try RecordingCompanions.createDirectory(dir)
      let summaries = try SimulatedCorpus.write(directory: dir, count: count, firstSeed: seed) { s in
        if !quiet { print(Self.describe(s, path: (dir as NSString).appendingPathComponent(s.name))) }
      }
      if !quiet {
        let total = summaries.reduce(0.0) { $0 + $1.durationS }
        print(
          "corpus: \(summaries.count) recordings, \(String(format: "%.0f", total)) s in all, index in "
            + (dir as NSString).appendingPathComponent("index.json"))
      }
      return
    }
    guard let out else { return }
    let config = ScenarioConfig(
      seed: seed, repCount: reps, variant: variant, rateHz: rate, includeIMU: imu, includeLoad: load,
      includeSqueeze: squeeze, includeSacrum: sacrum, distractors: try Self.parseDistractors(distractors),
      sensorErrors: sensor)
    let stem = RecordingCompanions.stem(ofRecording: out)
    let parent = RecordingCompanions.directory(of: stem)
    try RecordingCompanions.createDirectory(parent, for: stem + ".csv")
    if throughChips {
      try runThroughChips(config: config, stem: stem)
      return
    }
    let s = try SimulatedRecordingFiles.write(config: config, stem: stem)
    if !quiet { print(Self.describe(s, path: stem)) }
  }

  static func describe(_ s: SimulatedRecordingSummary, path: String) -> String {
    let channels = [s.imu ? "imu" : nil, s.sacrum ? "sacrum" : nil, s.load ? "load" : nil, s.squeeze ? "squeeze" : nil]
      .compactMap { $0 }.joined(separator: "+")
    let d = s.distractors.isEmpty ? "none" : s.distractors.map(\.rawValue).joined(separator: ",")
    return "\(path).csv: seed \(s.seed), \(s.samples) samples, \(String(format: "%.1f", s.durationS)) s at "
      + "\(Int(s.rateHz)) Hz, \(channels); \(s.repCount) reps (\(s.variantPerRep.map(\.rawValue).joined(separator: ","))), "
      + "\(s.holdCount) holds, \(s.breathStepCount) breath steps; distractors: \(d)"
  }
}
