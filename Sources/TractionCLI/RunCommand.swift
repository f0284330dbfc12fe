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
      on the screen and, with --speak, out loud. Ctrl-C ends a live session; the recording is \
      flushed and the summary printed.

      Examples:
        traction run                              live, or a simulated session if no sensor
        traction run --speak                      say the cues (needs espeak-ng)
        traction run --simulate --seed 3 --realtime
        traction run --hx711 gpiochip0:5:6        an HX711 on GPIO 5 (PD_SCK) and 6 (DOUT)
        traction run --record today.csv --json
      """)

  @Flag(help: "Simulate a session even if sensors are attached.")
  var simulate = false

  @Option(help: "Simulation: the scenario's seed (the same seed gives the same session).")
  var seed: UInt64 = 1

  @Option(help: "Simulation: basic, anchored or mixed.")
  var variant: String = "mixed"

  @Option(help: "Simulation: number of reps (1–4).")
  var reps: Int = 3

  @Flag(help: "Simulation: pace the session at real speed instead of as fast as possible.")
  var realtime = false

  @Flag(help: "Say the cues out loud with espeak-ng.")
  var speak = false

  @Option(
    help: ArgumentHelp("Write the session's recording here (live default: sessions/DATE-TIME.csv).", valueName: "file"))
  var record: String?

  @Flag(help: "Do not write a recording.")
  var noRecord = false

  @Option(
    name: .customLong("bus"),
    help: ArgumentHelp("An I2C bus to probe (repeatable; default: every /dev/i2c-*).", valueName: "path"))
  var buses: [String] = []

  @Option(help: ArgumentHelp("Where an HX711 is wired: CHIP:SCK:DOUT, e.g. gpiochip0:5:6.", valueName: "wiring"))
  var hx711: String?

  @Option(help: "Load cell: newtons per ADC count (from your calibration with a known weight).")
  var loadScale: Double = LoadCellCalibration().newtonsPerCount

  @Option(help: "IMU sample rate in Hz (50–400).")
  var rate: Double = 100

  @Option(help: "Stop a live session after this many seconds (default: at Ctrl-C).")
  var duration: Double?

  @Flag(help: "At the end, print the summary as JSON (the fields of `replay --json`).")
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
    guard loadScale.isFinite, loadScale != 0 else { throw ValidationError("--load-scale must be a non-zero number") }
    if let hx711, HX711Wiring(argument: hx711) == nil {
      throw ValidationError(
        "--hx711 \(hx711): expected CHIP:SCK:DOUT with two different line numbers, e.g. gpiochip0:5:6")
    }
    if record != nil && noRecord { throw ValidationError("--record and --no-record contradict each other") }
  }

  public func run() throws {
    installStopHandlers()
    let cues = CueOutput(speak: speak && !quiet)
    for w in cues.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }

    var rig = DetectedRig()
    let clock = SystemClock()
    if !simulate {
      let request = IMUConfigurationRequest(sampleRateHz: rate)
      rig = HardwareProbe.probe(
        buses: buses, request: request, hx711: hx711.flatMap(HX711Wiring.init(argument:)),
        loadCalibration: LoadCellCalibration(offsetCounts: 0, newtonsPerCount: loadScale), clock: clock)
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
    let report: SessionReport
    if rig.isEmpty {
      report = try runSimulated(cues: cues)
    } else {
      report = try runLive(rig: rig, clock: clock, cues: cues)
    }
    cues.waitForSpeech()
    if json {
      print(try jsonString(report))
    } else {
      print("")
      print(report.text())
    }
  }

  private func status(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  private func openRecording(default defaultPath: String?, metadata: RecordingMetadata, layout: RecordingLayout) throws
    -> (RecordingWriter?, String?)
  {
    guard !noRecord, let path = record ?? defaultPath else { return (nil, nil) }
    let dir = RecordingCompanions.directory(of: path)
    if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    return (try RecordingWriter(path: path, metadata: metadata, layout: layout), path)
  }

  private func runLive(rig: DetectedRig, clock: SystemClock, cues: CueOutput) throws -> SessionReport {
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
    return withFacts(session.finish(), rate: acquisition.rateHz, layout: layout)
  }

  private func runSimulated(cues: CueOutput) throws -> SessionReport {
    let config = ScenarioConfig(
      seed: seed, repCount: reps, variant: VariantChoice(rawValue: variant) ?? .mixed, rateHz: rate)
    let chips = try ThroughChipsSession(config: config)
    let (writer, path) = try openRecording(default: nil, metadata: chips.metadata, layout: chips.layout)
    status(
      "Simulated session (seed \(seed)): a person does \(reps) rep\(reps == 1 ? "" : "s") of the exercise; "
        + "emulated chips, real drivers\(realtime ? ", at real speed" : "").")
    let session = MonitorSession(writer: nil, recordingPath: path, cues: cues, quiet: quiet)
    let wallStart = Date()
    _ = try chips.run(recording: writer, truth: nil) { event in
      if realtime, case .sample(let s) = event {
        let wait = s.t - Date().timeIntervalSince(wallStart)
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
      }
      session.handle(event)
      return !stopRequested.load(ordering: .relaxed)
    }
    try writer?.close()
    return withFacts(session.finish(), rate: rate, layout: chips.layout)
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

  var description: String {
    switch self {
    case .noSensor(let looked):
      return "no sensor found where you pointed:\n" + looked.map { "  - \($0)" }.joined(separator: "\n")
    }
  }
}
