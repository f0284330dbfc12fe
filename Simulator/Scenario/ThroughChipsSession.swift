import Acquisition
import ChipEmulators
import Foundation
import HAL
import SensorDrivers
import TractionCore

/// The IMU part the emulated rig uses.
public enum EmulatedIMUChip: String, CaseIterable, Sendable, Codable {
  /// MPU-6050 at 0x68 (sacrum at 0x69), read through its FIFO.
  case mpu6050
  /// LSM6DSL at 0x6A (sacrum at 0x6B), read on data-ready (the driver has no FIFO mode for it).
  case lsm6ds
}

/// The load-cell ADC the emulated rig uses.
public enum EmulatedLoadChip: String, CaseIterable, Sendable, Codable {
  /// NAU7802 at 0x2A on the IMU's bus, 80 conversions/s.
  case nau7802
  /// HX711 on two emulated GPIO lines, 10 conversions/s.
  case hx711
}

/// Faults injected into the emulated chips during a through-chips session. Each must show as
/// gaps and notes in the recording and never stop the session.
public enum ChipFault: String, CaseIterable, Sendable, Codable, Comparable {
  /// Two short bursts of I2C errors on the upper-back IMU, too short to need a recovery: notes,
  /// and a gap unless the chip's FIFO kept the samples (MPU-6050).
  case bus
  /// Three spoiled load-cell readouts: an HX711 clock high phase stretched past the limit (the
  /// thread preempted), or an I2C error on the NAU7802.
  case overrun
  /// The upper-back IMU disappears for 1.2 s and returns with its power-on registers: it is
  /// recovered with back-off, reported lost, then back.
  case vanish
  /// The load cell disappears for 4 s and returns (an HX711 read waits 0.6 s for a vanished
  /// chip each time, so it takes that long to be declared lost).
  case loadVanish = "load-vanish"
  /// The sacrum IMU disappears for 1.2 s (needs the sacrum IMU).
  case sacrumVanish = "sacrum-vanish"

  public static func < (a: ChipFault, b: ChipFault) -> Bool {
    (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
  }
}

/// How the emulated rig is built.
public struct ThroughChipsOptions: Sendable, Equatable {
  public var imuChip: EmulatedIMUChip
  public var loadChip: EmulatedLoadChip
  public var faults: Set<ChipFault>
  public var policy: AcquisitionPolicy

  public init(
    imuChip: EmulatedIMUChip = .mpu6050, loadChip: EmulatedLoadChip = .nau7802, faults: Set<ChipFault> = [],
    policy: AcquisitionPolicy = .init()
  ) {
    self.imuChip = imuChip
    self.loadChip = loadChip
    self.faults = faults
    self.policy = policy
  }

  /// Parses a fault list: comma-separated names, `all` or `none`.
  public static func parseFaults(_ text: String) throws(ThroughChipsError) -> Set<ChipFault> {
    var out: Set<ChipFault> = []
    for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
      let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
      switch name {
      case "all": out.formUnion(ChipFault.allCases)
      case "none": break
      default:
        guard let f = ChipFault(rawValue: name) else {
          let allowed = (ChipFault.allCases.map(\.rawValue) + ["all", "none"]).joined(separator: ", ")
          throw .badOption("--faults: unknown fault '\(name)' (allowed: \(allowed))")
        }
        out.insert(f)
      }
    }
    return out
  }
}

public enum ThroughChipsError: Error, Sendable, Equatable, CustomStringConvertible {
  case scenario(ScenarioError)
  case badOption(String)
  /// A driver could not set its emulated chip up before the session (a bug in the rig).
  case setup(String)
  case recording(RecordingError)

  public var description: String {
    switch self {
    case .scenario(let e): return e.description
    case .badOption(let s): return s
    case .setup(let s): return "through-chips rig: \(s)"
    case .recording(let e): return "\(e)"
    }
  }
}

/// What a through-chips session produced besides the samples.
public struct ThroughChipsResult: Sendable {
  /// The plan's labels on the recording's `t_s` clock.
  public var labels: SessionLabels
  /// The plan time of `t_s = 0` (the first sample came this long after the plan's start).
  public var planOffsetSeconds: Double
  public var samplesWritten: Int
  /// Samples not written because a sensor the recording has was down (its column empty).
  public var incompleteSamples: Int
  /// Notes (`# …` lines) written into the recording.
  public var notesWritten: Int
  public var statistics: AcquisitionStatistics
  /// Every event but the samples, in order (at most 10 000).
  public var events: [AcquisitionEvent]
  /// The faults injected, `plan-time: what`.
  public var injected: [String]
  public var imuReport: IMUConfigurationReport?
  public var sacrumReport: IMUConfigurationReport?
  public var loadReport: LoadCellReport?
  /// The rate the samples come at (the IMU's actual rate).
  public var rateHz: Double
  public var durationSeconds: Double
}

/// A simulated session read the way a live run reads it: the scenario's ideal motion and force
/// drive emulated chips (which add their own datasheet noise and quantisation), the real drivers
/// read them over an emulated I2C bus (and GPIO lines for an HX711) on a virtual clock, and
/// ``SensorAcquisition`` turns that into samples, gaps and fault notes for the recording.
///
/// Times: the plan starts when acquisition starts (after the drivers are set up and the load
/// cell is calibrated); `t_s = 0` is the first sample, `planOffsetSeconds` later. The truth
/// trace gives θ at each written sample's instant and the labels are shifted onto `t_s`.
/// Squeeze force has no emulated chip; the timing distractors (`drop`, `gap`, `jitter`) do not
/// apply: here gaps come from the chips and the faults.
public final class ThroughChipsSession {
  public let config: ScenarioConfig
  public let options: ThroughChipsOptions
  public let plan: SessionPlan
  public let clock: VirtualClock
  public let bus: EmulatedI2CBus
  public let imuAddress: UInt8
  public let sacrumAddress: UInt8
  public let imuReport: IMUConfigurationReport?
  public let sacrumReport: IMUConfigurationReport?
  public let loadReport: LoadCellReport?
  /// The HX711 emulator, when the rig has one (for fault injection and tests).
  public let hx711: EmulatedHX711?

  private let timeline: Timeline
  /// Plan time 0 on the virtual clock.
  private var originNanoseconds: UInt64?
  private var imuDriver: (any IMUDriver)?
  private var sacrumDriver: (any IMUDriver)?
  private var loadDriver: (any LoadCellDriver)?

  /// Shared by the emulators' physical inputs and the session: where plan time 0 is on the
  /// virtual clock, and a force that replaces the plan's while the load cell is calibrated.
  final class Timeline {
    var originSeconds = Double.infinity
    var forceOverride: Double? = 0
    func planTime(_ clockSeconds: Double) -> Double { max(0, clockSeconds - originSeconds) }
  }

  /// Builds the rig and sets every chip up through its driver. Nothing is read yet.
  public init(config: ScenarioConfig, options: ThroughChipsOptions = .init()) throws(ThroughChipsError) {
    do throws(ScenarioError) {
      try config.validate()
      plan = try SessionPlan(config)
    } catch {
      throw .scenario(error)
    }
    if config.includeSqueeze {
      throw .badOption("--through-chips has no emulated squeeze sensor: drop --squeeze")
    }
    if options.faults.contains(.sacrumVanish) && !(config.includeIMU && config.includeSacrum) {
      throw .badOption("fault 'sacrum-vanish' needs the sacrum IMU (--sacrum)")
    }
    if options.faults.contains(.vanish) || options.faults.contains(.bus), !config.includeIMU {
      throw .badOption("faults 'bus' and 'vanish' hit the IMU: the session has none (--no-imu)")
    }
    if options.faults.contains(.overrun) || options.faults.contains(.loadVanish), !config.includeLoad {
      throw .badOption("faults 'overrun' and 'load-vanish' hit the load cell: the session has none (--no-load)")
    }
    self.config = config
    self.options = options
    let clock = VirtualClock(startNanoseconds: 1_000_000_000)
    self.clock = clock
    let bus = EmulatedI2CBus(clock: clock, seed: config.seed ^ 0xB05)
    self.bus = bus
    let timeline = Timeline()
    self.timeline = timeline
    let plan = self.plan
    let ideal = config.sensorErrors == .ideal

    // Load cell first: calibrating it takes seconds, and the IMU FIFOs must not fill meanwhile.
    var hx: EmulatedHX711? = nil
    var loadReport: LoadCellReport? = nil
    if config.includeLoad {
      let force = ClosureForce { t in timeline.forceOverride ?? plan.idealLoadN(at: timeline.planTime(t)) }
      var bridge = LoadCellBridgeModel.typical50kg
      if ideal { bridge.noiseCountsRMS = 0 }
      var driver: any LoadCellDriver
      switch options.loadChip {
      case .nau7802:
        let chip = EmulatedNAU7802(bridge: bridge, force: force, seed: config.seed ^ 0x7802)
        bus.attach(chip, at: NAU7802Register.address)
        driver = NAU7802Driver(bus: bus, clock: clock)
      case .hx711:
        let chip = EmulatedHX711(
          clock: clock, samplesPerSecond: 10, bridge: bridge, force: force, seed: config.seed ^ 0x4811)
        hx = chip
        driver = HX711Driver(clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine)
      }
      do throws(LoadCellError) {
        try driver.start()
        // The calibration a user does once: tare with nothing on the platform, then a known weight.
        timeline.forceOverride = 0
        try driver.tare(samples: 4)
        timeline.forceOverride = Self.calibrationWeightN
        try driver.calibrateScale(knownForceNewtons: Self.calibrationWeightN, samples: 4)
        timeline.forceOverride = nil
        loadReport = driver.report
      } catch {
        throw .setup("\(options.loadChip.rawValue): \(error)")
      }
      loadDriver = driver
    }
    timeline.forceOverride = nil
    hx711 = hx
    self.loadReport = loadReport

    // The IMUs.
    imuAddress = options.imuChip == .mpu6050 ? 0x68 : 0x6A
    sacrumAddress = imuAddress + 1
    var imuReport: IMUConfigurationReport? = nil
    var sacrumReport: IMUConfigurationReport? = nil
    if config.includeIMU {
      let request = IMUConfigurationRequest(
        sampleRateHz: config.rateHz, accelRangeG: 4, gyroRangeDPS: 500,
        mode: options.imuChip == .mpu6050 ? .fifo : .dataReady)
      // The sacrum first: the loop drops its backlog while pairing it with the upper-back IMU,
      // whose first sample then starts the recording.
      if config.includeSacrum {
        let sacrum = ClosureMotion { t in
          let r = plan.idealReadings(at: timeline.planTime(t)).sacrum
          return MotionState(specificForce: r.acc, angularRate: r.gyr)
        }
        let (d2, rep2) = try Self.makeIMU(
          options.imuChip, bus: bus, clock: clock, address: sacrumAddress, motion: sacrum,
          noise: Self.noise(options.imuChip, plan.sacrumErrors, ideal: ideal), seed: config.seed ^ 0x2B,
          request: request)
        sacrumDriver = d2
        sacrumReport = rep2
      }
      let back = ClosureMotion { t in
        let r = plan.idealReadings(at: timeline.planTime(t)).upperBack
        return MotionState(specificForce: r.acc, angularRate: r.gyr)
      }
      let (d, rep) = try Self.makeIMU(
        options.imuChip, bus: bus, clock: clock, address: imuAddress, motion: back,
        noise: Self.noise(options.imuChip, plan.imuErrors, ideal: ideal), seed: config.seed ^ 0x1A, request: request)
      imuDriver = d
      imuReport = rep
      // Plan time 0 is when the upper-back IMU starts sampling.
      timeline.originSeconds = Double(clock.nowNanoseconds) / 1e9
      originNanoseconds = clock.nowNanoseconds
    }
    self.imuReport = imuReport
    self.sacrumReport = sacrumReport
    if originNanoseconds == nil {
      timeline.originSeconds = Double(clock.nowNanoseconds) / 1e9
      originNanoseconds = clock.nowNanoseconds
    }
  }

  /// The known weight of the emulated calibration, N.
  public static let calibrationWeightN = 200.0

  static func noise(_ chip: EmulatedIMUChip, _ e: IMUErrorParameters, ideal: Bool) -> IMUNoiseModel {
    if ideal { return .none }
    var n: IMUNoiseModel = chip == .mpu6050 ? .mpu6050 : .lsm6ds3
    n.accelBias = e.accelBias
    n.gyroBias = e.gyroBias
    return n
  }

  static func makeIMU(
    _ chip: EmulatedIMUChip, bus: EmulatedI2CBus, clock: VirtualClock, address: UInt8, motion: any MotionSource,
    noise: IMUNoiseModel, seed: UInt64, request: IMUConfigurationRequest
  ) throws(ThroughChipsError) -> (any IMUDriver, IMUConfigurationReport) {
    do throws(IMUDriverError) {
      switch chip {
      case .mpu6050:
        bus.attach(MPU6050Emulator(model: .mpu6050, motion: motion, noise: noise, seed: seed), at: address)
        var d = MPU6050Driver(bus: bus, address: address, clock: clock)
        let r = try d.configure(request)
        return (d, r)
      case .lsm6ds:
        bus.attach(LSM6DSEmulator(model: .lsm6dsl, motion: motion, noise: noise, seed: seed), at: address)
        var d = LSM6DSDriver(bus: bus, address: address, clock: clock)
        let r = try d.configure(request)
        return (d, r)
      }
    } catch {
      throw .setup("\(chip.rawValue) at 0x\(String(address, radix: 16, uppercase: true)): \(error)")
    }
  }

  /// The recording's columns: the scenario's, without squeeze, with `seq`.
  public var layout: RecordingLayout {
    RecordingLayout(
      imu: config.includeIMU, imu2: config.includeIMU && config.includeSacrum, load: config.includeLoad,
      squeeze: false, seq: true)
  }

  /// The metadata: the actual rate and ranges the drivers set, the chips, how to make it again.
  public var metadata: RecordingMetadata {
    var m = RecordingMetadata(
      rateHz: ((imuReport?.sampleRateHz ?? config.rateHz) * 1e6).rounded() / 1e6,
      sensor: imuReport.map { "\($0.chipName) (emulated)" } ?? loadReport.map { "\($0.chip) (emulated)" },
      placement: config.includeIMU ? "upper-back" : "elbow-platform",
      accelRangeG: imuReport?.accelRangeG, gyroRangeDps: imuReport?.gyroRangeDPS)
    let f = options.faults.sorted().map(\.rawValue).joined(separator: ",")
    m.note =
      "traction simulate --through-chips seed=\(config.seed) variant=\(config.variant.rawValue)"
      + " imu-chip=\(options.imuChip.rawValue) load-chip=\(options.loadChip.rawValue)"
      + " faults=\(f.isEmpty ? "none" : f)"
    if let s = sacrumReport { m["sacrum_sensor"] = "\(s.chipName) (emulated)" }
    if let l = loadReport { m["load_cell"] = "\(l.chip) (emulated), gain \(l.gain), \(l.samplesPerSecond) samples/s" }
    return m
  }

  /// Where each fault goes: in the rests between reps and after the last one, each with room
  /// for the fault and the recovery after it, so the exercise itself stays readable; the still
  /// start (where the reference is learned) only when no rest has room.
  func faultSchedule() -> [(planTime: Double, action: Action)] {
    // Regions: the rests between reps and after the last, then the still start.
    var regions: [(cursor: Double, end: Double)] = []
    for (a, b) in zip(plan.reps, plan.reps.dropFirst()) { regions.append((a.lowerEnd + 0.5, b.riseStart - 0.5)) }
    if let last = plan.reps.last { regions.append((last.lowerEnd + 0.5, plan.duration - 0.5)) }
    let restCount = regions.count
    regions.append((1.0, (plan.reps.first?.riseStart ?? plan.duration) - 0.5))
    var placed: [(target: Int, from: Double, to: Double)] = []
    func clear(_ f: ChipFault, _ from: Double, _ to: Double) -> Bool {
      !placed.contains { $0.target == target(f) && from < $0.to && $0.from < to }
    }
    var out: [(Double, Action)] = []
    // The longest first, so they get the longest rests.
    for f in options.faults.sorted(by: { occupancy($0) > occupancy($1) || (occupancy($0) == occupancy($1) && $0 < $1) })
    {
      let need = occupancy(f)
      // Rests with the most room first, the still start last.
      let order =
        regions.indices.prefix(restCount).sorted {
          (regions[$0].end - regions[$0].cursor) > (regions[$1].end - regions[$1].cursor)
        } + [restCount]
      var t: Double?
      for i in order {
        var from = regions[i].cursor
        // Past the other faults on the same sensor.
        while let other = placed.first(where: { $0.target == target(f) && from < $0.to && $0.from < from + need }) {
          from = other.to
        }
        if from + need <= regions[i].end {
          t = from
          regions[i].cursor = from + need
          break
        }
      }
      if t == nil {
        // No room in a rest: the latest time, over before the end, clear of the other faults
        // on the same sensor (it may overlap a rep).
        var c = plan.duration - 0.5 - need
        while c >= 1 {
          if clear(f, c, c + need) {
            t = c
            break
          }
          c -= 0.25
        }
      }
      guard let t else {
        skipped.append(f)
        continue
      }
      placed.append((target(f), t, t + need))
      out += actions(for: f, at: t)
    }
    return out.sorted { $0.0 < $1.0 }
  }

  /// Faults the session was too short to hold (each needs room for its recovery).
  private(set) var skipped: [ChipFault] = []

  /// Which sensor a fault hits: 0 upper-back IMU, 1 sacrum IMU, 2 load cell.
  private func target(_ f: ChipFault) -> Int {
    switch f {
    case .bus, .vanish: return 0
    case .sacrumVanish: return 1
    case .overrun, .loadVanish: return 2
    }
  }

  /// Seconds a fault and the recovery after it take, with a margin (a lost sensor is retried
  /// at most 2 s apart).
  private func occupancy(_ f: ChipFault) -> Double {
    switch f {
    case .bus: return 1
    case .overrun: return 1.5
    case .vanish, .sacrumVanish: return 4
    case .loadVanish: return options.loadChip == .hx711 ? 7.5 : 6.5
    }
  }

  enum Action {
    case busErrors(UInt8, I2CFault, count: Int)
    case vanish(UInt8, seconds: Double)
    case hxPreempt
    case hxVanish
    case hxReconnect

    var description: String {
      switch self {
      case .busErrors(let a, let f, let n): return "\(n)× \(f) at 0x\(String(a, radix: 16, uppercase: true))"
      case .vanish(let a, let s): return "0x\(String(a, radix: 16, uppercase: true)) vanishes for \(s) s"
      case .hxPreempt: return "HX711 readout preempted 80 µs with PD_SCK high"
      case .hxVanish: return "HX711 unplugged"
      case .hxReconnect: return "HX711 plugged back in"
      }
    }
  }

  private func actions(for f: ChipFault, at t: Double) -> [(Double, Action)] {
    let load = NAU7802Register.address
    switch f {
    case .bus:
      return [
        (t, .busErrors(imuAddress, .error(.bus), count: 2)),
        (t + 0.4, .busErrors(imuAddress, .noAcknowledgeData, count: 1)),
      ]
    case .vanish: return [(t, .vanish(imuAddress, seconds: 1.2))]
    case .sacrumVanish: return [(t, .vanish(sacrumAddress, seconds: 1.2))]
    case .overrun:
      if options.loadChip == .hx711 { return (0..<3).map { (t + 0.35 * Double($0), .hxPreempt) } }
      return (0..<3).map { (t + 0.35 * Double($0), .busErrors(load, .error(.bus), count: 1)) }
    case .loadVanish:
      if options.loadChip == .hx711 { return [(t, .hxVanish), (t + 4, .hxReconnect)] }
      return [(t, .vanish(load, seconds: 4))]
    }
  }

  private func apply(_ a: Action) {
    switch a {
    case .busErrors(let addr, let f, let n): bus.inject(f, address: addr, count: n)
    case .vanish(let addr, let s): bus.inject(.vanish(nanoseconds: UInt64(s * 1e9)), address: addr)
    case .hxPreempt: hx711?.injectPreemption(atPulse: 9, nanoseconds: 80_000)
    case .hxVanish: hx711?.vanish(doutFloatsHigh: true)
    case .hxReconnect: hx711?.reconnect()
    }
  }

  private var ran = false

  /// Runs the session once: acquisition on the emulated chips for the plan's duration, every
  /// complete sample to `recording` and θ at its instant to `truth`, every fault, recovery and
  /// lost sensor as a `# …` note. Faults never end it.
  ///
  /// `observe` sees every event as it happens (the live monitor coaches from it) and returns
  /// false to end the session after that event: the event it saw is still recorded, so what the
  /// observer counted and what the file holds agree. Without a recording or truth writer nothing
  /// is written.
  ///
  /// A failing writer ends the session with `.recording`, unless `recordingFailed` is given: then
  /// the recording's error is handed to it, the recording is closed (what was written stays
  /// readable) and the session goes on to its end without one, as a live monitor must.
  public func run(
    recording: RecordingWriter?, truth: ThetaTraceWriter?,
    observe: (AcquisitionEvent) -> Bool = { _ in true },
    recordingFailed: ((RecordingError) -> Void)? = nil
  ) throws(ThroughChipsError) -> ThroughChipsResult {
    guard !ran else { throw .badOption("a through-chips session runs once") }
    ran = true
    let originNs = originNanoseconds ?? clock.nowNanoseconds
    let elapsed = Double(clock.nowNanoseconds &- originNs) / 1e9
    var acq: SensorAcquisition
    do throws(AcquisitionSetupError) {
      acq = try SensorAcquisition(
        clock: clock, rateHz: config.rateHz, imu: imuDriver, imu2: sacrumDriver, load: loadDriver,
        durationSeconds: max(0, plan.duration - elapsed), policy: options.policy)
    } catch {
      throw .setup(error.description)
    }
    imuDriver = nil
    sacrumDriver = nil
    loadDriver = nil
    let lay = layout
    var schedule = faultSchedule()[...]
    var injected: [String] = []

    var events: [AcquisitionEvent] = []
    var written = 0
    var incomplete = 0
    var notes = 0
    var offset: Double? = nil
    var inIncompleteRun = false
    var recording = recording

    /// One write to the recording: a failure ends the session, or, with `recordingFailed`,
    /// only the recording.
    func record(_ body: (RecordingWriter) throws(RecordingError) -> Void) throws(RecordingError) {
      guard let w = recording else { return }
      do {
        try body(w)
      } catch {
        guard let recordingFailed else { throw error }
        recording = nil
        try? w.close()
        recordingFailed(error)
      }
    }

    func note(_ line: String) throws(RecordingError) {
      try record { w throws(RecordingError) in try w.writeComment(line) }
      notes += 1
    }

    /// Everything one event gives: due fault injections, a note, or a sample and its truth.
    func handle(_ event: AcquisitionEvent) throws(RecordingError) {
      let planNow = Double(clock.nowNanoseconds &- originNs) / 1e9
      while let next = schedule.first, next.planTime <= planNow {
        schedule = schedule.dropFirst()
        apply(next.action)
        let line = "injected: plan t=\(Self.fixed(next.planTime)) \(next.action.description)"
        injected.append(line)
        try note(line)
      }
      guard case .sample(let s) = event else {
        if events.count < 10_000 { events.append(event) }
        if let n = event.recordingNote { try note(n) }
        return
      }
      let delta: Double
      if let offset {
        delta = offset
      } else {
        let first = acq.firstSampleNanoseconds ?? originNs
        delta = Double(Int64(bitPattern: first &- originNs)) / 1e9
        offset = delta
      }
      let missing = Self.missingColumns(s, lay)
      if !missing.isEmpty {
        incomplete += 1
        if !inIncompleteRun {
          inIncompleteRun = true
          try note("incomplete: t=\(Self.fixed(s.t)) no \(missing) from here: samples not written until it is back")
        }
        return
      }
      if inIncompleteRun {
        inIncompleteRun = false
        try note("complete: t=\(Self.fixed(s.t)) every column back")
      }
      try record { w throws(RecordingError) in try w.write(s) }
      try truth?.write(t: s.t, thetaDeg: plan.thetaDeg(at: s.t + delta))
      written += 1
    }

    do throws(RecordingError) {
      for f in skipped {
        let line = "not_injected: \(f.rawValue) (no room for it and its recovery in this session)"
        injected.append(line)
        try note(line)
      }
      while let event = acq.next() {
        let goOn = observe(event)
        try handle(event)
        if !goOn { break }
      }
      try note(
        "end: \(written) samples, \(acq.statistics.faults) faults, \(acq.statistics.skippedSlots) skipped slots, "
          + "\(acq.statistics.recoveries) recoveries")
      try record { w throws(RecordingError) in try w.flush() }
      try truth?.flush()
    } catch {
      throw .recording(error)
    }
    let delta = offset ?? 0
    return ThroughChipsResult(
      labels: Self.labels(plan.labels, shiftedBy: -delta), planOffsetSeconds: delta, samplesWritten: written,
      incompleteSamples: incomplete, notesWritten: notes, statistics: acq.statistics, events: events,
      injected: injected, imuReport: imuReport, sacrumReport: sacrumReport, loadReport: loadReport,
      rateHz: acq.rateHz, durationSeconds: plan.duration)
  }

  static func missingColumns(_ s: Sample, _ l: RecordingLayout) -> String {
    var m: [String] = []
    if l.hasIMU && s.imu == nil { m.append("imu") }
    if l.hasIMU2 && s.imu2 == nil { m.append("imu2") }
    if l.hasLoad && s.loadN == nil { m.append("load_n") }
    return m.joined(separator: "+")
  }

  static func fixed(_ x: Double) -> String { String(format: "%.6f", x) }

  /// The labels with every time moved by `d` seconds.
  public static func labels(_ l: SessionLabels, shiftedBy d: Double) -> SessionLabels {
    SessionLabels(
      variantPerRep: l.variantPerRep,
      reps: l.reps.map { Rep(start: $0.start + d, end: $0.end + d, peakDeg: $0.peakDeg) },
      holds: l.holds.map { Hold(start: $0.start + d, end: $0.end + d, kind: $0.kind, meanDeg: $0.meanDeg) },
      breathSteps: l.breathSteps.map { BreathStep(t: $0.t + d, riseDeg: $0.riseDeg) })
  }

  /// Runs a session into `STEM.csv`, `STEM.labels.json` and `STEM.truth.csv` (the parent
  /// directory must exist), replacing an earlier simulated session of the same name (the seed
  /// gives it again) but no other `STEM.csv` (`SimulatedRecordingFiles.writeWholeOrNone`).
  public static func write(config: ScenarioConfig, options: ThroughChipsOptions, stem: String) throws
    -> (summary: SimulatedRecordingSummary, result: ThroughChipsResult)
  {
    let session = try ThroughChipsSession(config: config, options: options)
    let result = try SimulatedRecordingFiles.writeWholeOrNone(
      stem: stem, metadata: session.metadata, layout: session.layout
    ) { recording in
      let truth = try ThetaTraceWriter(path: stem + ".truth.csv")
      let result = try session.run(recording: recording, truth: truth)
      try recording.close()
      try truth.close()
      try result.labels.write(path: stem + ".labels.json")
      return result
    }
    let summary = SimulatedRecordingSummary(
      name: (stem as NSString).lastPathComponent, seed: config.seed, rateHz: result.rateHz,
      variantPerRep: result.labels.variantPerRep, repCount: result.labels.reps.count,
      holdCount: result.labels.holds.count, breathStepCount: result.labels.breathSteps.count,
      imu: config.includeIMU, load: config.includeLoad, squeeze: false,
      sacrum: config.includeIMU && config.includeSacrum, sensorErrors: config.sensorErrors,
      distractors: config.distractors.sorted(), durationS: result.durationSeconds, samples: result.samplesWritten)
    return (summary, result)
  }
}
