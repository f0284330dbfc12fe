import Acquisition
import ArgumentParser
import ExerciseSimulator
import Foundation
import HAL
import SensorDrivers
import Synchronization
import TractionCore

public struct RunCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run the monitor: read the sensors, coach the exercise, record, summarise.",
    discussion: """
      Looks for an IMU (MPU-6050 family at 0x68/0x69, LSM6DS family at 0x6A/0x6B) and a NAU7802 \
      load cell (0x2A) on every I2C bus, and an HX711 where --hx711 says it is wired. With none \
      attached (or with --simulate) it simulates a session: a scripted person does the exercise, \
      emulated chips encode it, and the same drivers, pipeline and coach as a live session read \
      them, on a virtual clock (as fast as the machine goes, or --realtime).

      Lie prone and still for the first 3 seconds: that posture is θ = 0. Then rise onto the \
      elbows; the first rise teaches the monitor which way is up for your chest. Cues come big \
      on the screen and, with --speak, out loud. Ctrl-C (or SIGTERM, or a lost terminal) ends \
      the session; the recording is flushed and closed and the summary printed.

      A --bus or --hx711 you name must give a sensor, or run stops before the session with the \
      reason. --record FILE must be a new file: an earlier session is never overwritten (the \
      live default sessions/DATE-TIME.csv takes -2, -3, … when that second is taken). If the \
      recording fails mid-session (a full disk), run says so, keeps what was written, coaches \
      to the end, prints the summary and exits non-zero. With --json, standard output is the \
      JSON alone and the cues go to standard error.

      Examples:
        traction run                              live, or a simulated session if no sensor
        traction run --speak                      say the cues (needs espeak-ng)
        traction run --simulate --seed 3 --realtime
        traction run --hx711 gpiochip0:5:6        an HX711 on GPIO 5 (PD_SCK) and 6 (DOUT)
        traction run --record today.csv --json
      """)

  @Flag(help: "Simulate a session even if sensors are attached.")
  var simulate = false

  // Numeric options take a value with a leading '-' (`--rate -5`), so the range check below
  // says what is wrong with it instead of "missing value".
  @Option(parsing: .unconditional, help: "Simulation: the scenario's seed (the same seed gives the same session).")
  var seed: UInt64 = 1

  @Option(help: "Simulation: basic, anchored or mixed.")
  var variant: String = "mixed"

  @Option(parsing: .unconditional, help: "Simulation: number of reps (1–4).")
  var reps: Int = 3

  @Flag(help: "Simulation: pace the session at real speed instead of as fast as possible.")
  var realtime = false

  @Flag(help: "Say the cues out loud with espeak-ng.")
  var speak = false

  @Option(
    help: ArgumentHelp(
      "Write the session's recording to this new file (live default: sessions/DATE-TIME.csv).", valueName: "file"))
  var record: String?

  @Flag(help: "Do not write a recording.")
  var noRecord = false

  @Option(
    name: .customLong("bus"),
    help: ArgumentHelp("An I2C bus to probe (repeatable; default: every /dev/i2c-*).", valueName: "path"))
  var buses: [String] = []

  @Option(help: ArgumentHelp("Where an HX711 is wired: CHIP:SCK:DOUT, e.g. gpiochip0:5:6.", valueName: "wiring"))
  var hx711: String?

  @Option(
    parsing: .unconditional, help: "Load cell: newtons per ADC count (from your calibration with a known weight).")
  var loadScale: Double = LoadCellCalibration().newtonsPerCount

  @Option(parsing: .unconditional, help: "IMU sample rate in Hz (50–400).")
  var rate: Double = 100

  @Option(
    parsing: .unconditional,
    help: "Stop the session after this many seconds (default: at Ctrl-C, or where a simulated session ends).")
  var duration: Double?

  @Flag(help: "At the end, print the summary as JSON (the fields of `replay --json`); cues go to standard error.")
  var json = false

  @Flag(help: "No cues, only the summary at the end.")
  var quiet = false

  public init() {}

  public func validate() throws {
    guard (50...400).contains(rate) else { throw ValidationError("--rate \(rate): must be 50–400 Hz") }
    guard (1...4).contains(reps) else { throw ValidationError("--reps \(reps): must be 1–4") }
    guard VariantChoice(rawValue: variant) != nil else {
      throw ValidationError("--variant \(variant): must be basic, anchored or mixed")
    }
    if let d = duration, !(d.isFinite && d > 0) { throw ValidationError("--duration \(d): must be positive") }
    // A 24-bit ADC's full scale at 1 N per count is already 8 MN: anything larger is a typo.
    guard loadScale.isFinite, loadScale != 0, abs(loadScale) <= 1 else {
      throw ValidationError("--load-scale \(loadScale): must be non-zero newtons per count, at most 1 in size")
    }
    if buses.contains("") { throw ValidationError("--bus needs a device path, e.g. --bus /dev/i2c-1") }
    if let hx711, HX711Wiring(argument: hx711) == nil {
      throw ValidationError(
        "--hx711 \(hx711): expected CHIP:SCK:DOUT with two different line numbers, e.g. gpiochip0:5:6")
    }
    if record != nil && noRecord { throw ValidationError("--record and --no-record contradict each other") }
    if let record, let problem = RecordingCompanions.stemProblem(record) {
      throw ValidationError("--record '\(record)' \(problem): give a file name, e.g. --record sessions/today.csv")
    }
  }

  public func run() throws {
    // Refused before anything opens it: a recording is a new regular file, and open(2) on a FIFO
    // would wait for a reader.
    if let record, let kind = RecordingCompanions.notRegularFile(record) {
      throw RunError.recordingNotRegular(path: record, kind: kind)
    }
    installStopHandlers()
    // With --json, standard output carries the JSON alone: the cues go to standard error.
    let cues = CueOutput(speak: speak && !quiet, toStandardError: json)
    for w in cues.warnings { Console.err("warning: \(w)") }
    if simulate && (!buses.isEmpty || hx711 != nil || loadScale != LoadCellCalibration().newtonsPerCount) {
      Console.err("warning: --simulate uses no hardware: --bus, --hx711 and --load-scale are ignored")
    }

    var rig = DetectedRig()
    let clock = SystemClock()
    if !simulate {
      let request = IMUConfigurationRequest(sampleRateHz: rate)
      let wiring = hx711.flatMap(HX711Wiring.init(argument:))
      rig = HardwareProbe.probe(
        buses: buses, request: request, hx711: wiring,
        loadCalibration: LoadCellCalibration(offsetCounts: 0, newtonsPerCount: loadScale), clock: clock)
      let unmet = rig.unmet(buses: buses, hx711: wiring)
      if !rig.isEmpty && !unmet.isEmpty {
        // Hardware named by option must be there: a session without it is not what was asked.
        throw RunError.namedSensorMissing(unmet, found: rig.found)
      }
      if rig.isEmpty {
        if !buses.isEmpty || hx711 != nil {
          // The user named hardware: say exactly what was tried, and do not pretend.
          throw RunError.noSensor(rig.looked)
        }
        status(
          "No sensor found (\(rig.looked.first ?? "nothing to probe")); simulating a session. Use --simulate to skip the search."
        )
      }
    }
    let (session, report) =
      rig.isEmpty ? try runSimulated(cues: cues) : try runLive(rig: rig, clock: clock, cues: cues)
    cues.waitForSpeech()
    if json {
      Console.out(try jsonString(report))
    } else {
      Console.out("")
      Console.out(report.text())
    }
    // The summary covers the whole session; now say what did not go as asked, and exit non-zero.
    if !session.problems.isEmpty {
      throw RunError.recordingIncomplete(path: session.recordingPath ?? "", problems: session.problems)
    }
    if let why = Console.stdoutFailure {
      throw RunError.outputFailed(why: why, recording: session.recordingPath)
    }
  }

  private func status(_ text: String) {
    Console.err(text)
  }

  /// Opens the recording. A name the user gave must be new: an earlier session is never
  /// overwritten. The live default `sessions/DATE-TIME.csv` has one-second resolution, so a name
  /// taken already (two runs in one second) gets `-2`, `-3`, … instead. The `O_EXCL` open is the
  /// check, so two monitors started together cannot both take one name.
  private func openRecording(default defaultPath: String?, metadata: RecordingMetadata, layout: RecordingLayout) throws
    -> (RecordingWriter?, String?)
  {
    guard !noRecord, let path = record ?? defaultPath else { return (nil, nil) }
    let dir = RecordingCompanions.directory(of: path)
    try RecordingCompanions.createDirectory(dir, for: path)
    if record != nil {
      guard let writer = try Self.createNew(path, metadata: metadata, layout: layout) else {
        throw RunError.recordingExists(path: path, suggestion: Self.freeName(near: path))
      }
      return (writer, path)
    }
    let (writer, taken) = try Self.createNumbered(path, metadata: metadata, layout: layout)
    return (writer, taken)
  }

  /// A writer on the first of `numberedNames(path)` not taken yet, and its name.
  static func createNumbered(_ path: String, metadata: RecordingMetadata, layout: RecordingLayout) throws
    -> (RecordingWriter, String)
  {
    // A FIFO or device that holds a name is taken like a file (and never opened).
    for candidate in numberedNames(path) where RecordingCompanions.notRegularFile(candidate) == nil {
      if let writer = try createNew(candidate, metadata: metadata, layout: layout) { return (writer, candidate) }
    }
    throw RunError.recordingExists(path: path, suggestion: nil)
  }

  /// A writer on a new file at `path`, or nil when a file is there already.
  private static func createNew(_ path: String, metadata: RecordingMetadata, layout: RecordingLayout)
    throws(RecordingError) -> RecordingWriter?
  {
    do {
      return try RecordingWriter(path: path, metadata: metadata, layout: layout)
    } catch {
      if error.kind == .alreadyExists { return nil }
      throw error
    }
  }

  /// `NAME.csv`, then `NAME-2.csv` … `NAME-999.csv`.
  static func numberedNames(_ path: String) -> [String] {
    let stem = RecordingCompanions.stem(ofRecording: path)
    let ext = path.hasSuffix(".csv") ? ".csv" : ""
    return [path] + (2...999).map { "\(stem)-\($0)\(ext)" }
  }

  /// The first of `numberedNames(path)` after `path` with no file yet (only a suggestion: the
  /// open that follows is the real check).
  static func freeName(near path: String) -> String? {
    numberedNames(path).dropFirst().first { !FileManager.default.fileExists(atPath: $0) }
  }

  private func runLive(rig: DetectedRig, clock: SystemClock, cues: CueOutput) throws -> (MonitorSession, SessionReport)
  {
    for line in rig.found { status("found \(line)") }
    var acquisition = try SensorAcquisition(
      clock: clock, rateHz: rate, imu: rig.imu, imu2: rig.imu2, load: rig.load, durationSeconds: duration)
    let started = ISO8601DateFormatter().string(from: Date())
    var metadata = RecordingMetadata(rateHz: acquisition.rateHz, placement: "upper-back", started: started)
    if let r = rig.imu?.configuration {
      metadata.sensor = r.chipName
      metadata.accelRangeG = r.accelRangeG
      metadata.gyroRangeDps = r.gyroRangeDPS
    }
    let layout = RecordingLayout(imu: rig.imu != nil, imu2: rig.imu2 != nil, load: rig.load != nil, seq: true)
    let stamp = started.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
    let (writer, path) = try openRecording(default: "sessions/\(stamp).csv", metadata: metadata, layout: layout)
    if let path { status("recording to \(path)") }
    status("Lie prone and still. Ctrl-C ends the session.")
    let session = MonitorSession(writer: writer, recordingPath: path, cues: cues, quiet: quiet)
    while !stopRequested.load(ordering: .relaxed), let event = acquisition.next() {
      session.handle(event)
    }
    acquisition.stop()
    return (session, withFacts(session.finish(), rate: acquisition.rateHz, layout: layout))
  }

  private func runSimulated(cues: CueOutput) throws -> (MonitorSession, SessionReport) {
    let config = ScenarioConfig(
      seed: seed, repCount: reps, variant: VariantChoice(rawValue: variant) ?? .mixed, rateHz: rate)
    let chips = try ThroughChipsSession(config: config)
    let (writer, path) = try openRecording(default: nil, metadata: chips.metadata, layout: chips.layout)
    status(
      "Simulated session (seed \(seed)): a person does \(reps) rep\(reps == 1 ? "" : "s") of the exercise; "
        + "emulated chips, real drivers\(realtime ? ", at real speed" : "").")
    let session = MonitorSession(writer: nil, recordingPath: path, cues: cues, quiet: quiet)
    let wallStart = Date()
    // The simulator's loop writes the recording (with its fault notes and end line); a failing
    // write ends the recording, not the session, exactly as `MonitorSession` does live.
    _ = try chips.run(
      recording: writer, truth: nil,
      observe: { event in
        if realtime, case .sample(let s) = event {
          let wait = s.t - Date().timeIntervalSince(wallStart)
          if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        session.handle(event)
        if let duration, case .sample(let s) = event, s.t >= duration { return false }
        return !stopRequested.load(ordering: .relaxed)
      },
      recordingFailed: { session.recordingFailed($0) })
    do { try writer?.close() } catch { session.closingFailed(error) }
    return (session, withFacts(session.finish(), rate: rate, layout: chips.layout))
  }

  private func withFacts(_ report: SessionReport, rate: Double, layout: RecordingLayout) -> SessionReport {
    var r = report
    r.recording.rateHz = rate
    r.recording.channels = channelNames(layout)
    return r
  }
}

enum RunError: Error, CustomStringConvertible {
  case noSensor([String])
  /// A `--bus` or `--hx711` the user named gave no sensor, while others were found.
  case namedSensorMissing([String], found: [String])
  /// `--record FILE` names a file that exists: an earlier session, never overwritten.
  case recordingExists(path: String, suggestion: String?)
  /// `--record FILE` names a FIFO, a device or a folder: refused before opening it.
  case recordingNotRegular(path: String, kind: String)
  /// Writing the recording failed during the session (the summary was printed).
  case recordingIncomplete(path: String, problems: [String])
  /// Standard output stopped taking the cues or the summary (a closed pipe, a lost terminal).
  case outputFailed(why: String, recording: String?)

  var description: String {
    switch self {
    case .noSensor(let looked):
      return "no sensor found where you pointed:\n" + looked.map { "  - \($0)" }.joined(separator: "\n")
    case .namedSensorMissing(let unmet, let found):
      return "a sensor you named could not be used:\n" + unmet.map { "  - \($0)" }.joined(separator: "\n")
        + "\nfound:\n" + found.map { "  - \($0)" }.joined(separator: "\n")
        + "\nCheck its wiring, or leave the option out to run with the sensors found."
    case .recordingExists(let path, let suggestion):
      let other = suggestion.map { " (e.g. --record \($0))" } ?? ""
      return "--record \(path): the file already exists and is kept as it is; "
        + "choose another name\(other) or move the old recording away"
    case .recordingNotRegular(let path, let kind):
      return "--record \(path) is not a regular file but \(kind); a recording is written only to a new "
        + "regular file: choose another name"
    case .recordingIncomplete(let path, let problems):
      return "the recording \(path.isEmpty ? "" : path + " ")is incomplete:\n"
        + problems.map { "  - \($0)" }.joined(separator: "\n")
    case .outputFailed(let why, let recording):
      let kept = recording.map { "; the recording \($0) is complete" } ?? ""
      return "standard output: write failed (\(why)): cues or the summary were not printed\(kept)"
    }
  }
}
