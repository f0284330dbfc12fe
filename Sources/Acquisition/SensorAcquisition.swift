import HAL
import SensorDrivers
import TractionCore

/// The acquisition loop: reads up to two IMUs and a load cell through their drivers, on an
/// injected clock, and turns what they say into `Sample`s and typed events. The same code reads
/// real chips on a Pi (`SystemClock`) and emulated ones in the simulator (`VirtualClock`).
///
/// Pacing: the first working IMU paces the loop (each of its samples is one slot; its driver's
/// timestamp is the sample time). With no working IMU the loop paces itself on the clock at
/// `rateHz`. `t` is seconds since the first sample; `seq` is the slot index from the time since
/// the first sample, so every lost slot shows as a jump in `seq` and a gap in `t`.
///
/// The second IMU is read right after the first (waiting up to one period for its next sample).
/// The load cell converts more slowly: it is read only once a conversion period has passed since
/// its last reading, so the read does not wait, and its latest value is held in `loadN` between
/// conversions (and for `policy.loadHoldPeriods` after it stops answering).
///
/// Faults never stop the loop. Each is a `.fault` event; an IMU fault skips the slot (a FIFO
/// may still deliver its sample on the next read). After
/// `policy.faultsBeforeRecovery` failures in a row the sensor is set up again (`configure` /
/// `start`) with a doubling back-off; while it is down its fields are nil and the other sensors
/// go on; after `policy.attemptsBeforeLost` failed attempts `.sensorLost` is reported once, and
/// `.recovered` when it is back.
///
/// Per sample the loop itself allocates nothing (the event queue keeps its capacity); the
/// drivers' bus transactions do allocate their small byte arrays.
public struct SensorAcquisition {
  public let clock: any DelayClock
  /// Nominal samples per second (the pacing IMU's actual rate when it has one).
  public let rateHz: Double
  public var policy: AcquisitionPolicy
  /// Stop once this many seconds have passed on the clock since the first `next()` (nil: run
  /// until `stop()`).
  public var durationSeconds: Double?
  public private(set) var statistics = AcquisitionStatistics()
  /// Clock time of the first `next()`.
  public private(set) var startNanoseconds: UInt64?
  /// Clock time of the first sample (`t` = 0).
  public private(set) var firstSampleNanoseconds: UInt64?

  public private(set) var imuDriver: (any IMUDriver)?
  public private(set) var imu2Driver: (any IMUDriver)?
  public private(set) var loadDriver: (any LoadCellDriver)?
  private let imuRequest: IMUConfigurationRequest?
  private let imu2Request: IMUConfigurationRequest?

  private var channels: [Channel]
  private let periodNanoseconds: UInt64
  private let loadPeriodNanoseconds: UInt64
  private let loadEarlyNanoseconds: UInt64
  private var queue: [AcquisitionEvent] = []
  private var head = 0
  private var stopped = false
  private var nextSlotAt: UInt64 = 0
  private var lastSampleNanoseconds: UInt64?
  private var lastSeq: Int64 = -1
  private var latestLoad: Double?
  private var lastLoadAt: UInt64 = 0
  private var nextLoadReadAt: UInt64 = 0
  private var held2: (reading: IMUReading, at: UInt64)?

  struct Channel {
    var status: SensorStatus
    var consecutive = 0
    var attempts = 0
    var nextAttemptAt: UInt64 = 0
    var downSince: UInt64?
    var lastFailure: SensorFailure?
  }

  /// - Parameters:
  ///   - imu, imu2: configured IMU drivers (upper back, sacrum), or nil.
  ///   - load: a started load-cell driver with its calibration set, or nil.
  ///   - rateHz: the pace without an IMU, and for `seq` when `imu` has no configuration.
  ///   - imuRequest, imu2Request: what to configure again on recovery (default: the request
  ///     matching the driver's current configuration).
  /// - Throws: when there is no sensor or the rate is not a positive number.
  public init(
    clock: any DelayClock, rateHz: Double, imu: (any IMUDriver)? = nil, imu2: (any IMUDriver)? = nil,
    load: (any LoadCellDriver)? = nil, imuRequest: IMUConfigurationRequest? = nil,
    imu2Request: IMUConfigurationRequest? = nil, durationSeconds: Double? = nil,
    policy: AcquisitionPolicy = .init()
  ) throws(AcquisitionSetupError) {
    guard imu != nil || imu2 != nil || load != nil else {
      throw AcquisitionSetupError("acquisition: give at least one sensor (an IMU or a load cell)")
    }
    let pacedRate = imu?.configuration?.sampleRateHz ?? imu2?.configuration?.sampleRateHz ?? rateHz
    guard pacedRate.isFinite, pacedRate > 0, pacedRate <= 100_000 else {
      throw AcquisitionSetupError("acquisition: rate \(pacedRate) Hz must be a positive number up to 100000")
    }
    if let d = durationSeconds, !(d.isFinite && d >= 0) {
      throw AcquisitionSetupError("acquisition: duration \(d) s must be a non-negative number")
    }
    self.clock = clock
    self.rateHz = pacedRate
    self.policy = policy
    self.durationSeconds = durationSeconds
    self.imuDriver = imu
    self.imu2Driver = imu2
    self.loadDriver = load
    self.imuRequest = imuRequest ?? imu?.configuration.map(Self.request(matching:))
    self.imu2Request = imu2Request ?? imu2?.configuration.map(Self.request(matching:))
    periodNanoseconds = UInt64((1e9 / pacedRate).rounded())
    let sps = max(1, load?.report.samplesPerSecond ?? 10)
    loadPeriodNanoseconds = 1_000_000_000 / UInt64(sps)
    loadEarlyNanoseconds = min(loadPeriodNanoseconds / 2, periodNanoseconds &+ periodNanoseconds / 4)
    channels = [
      Channel(status: imu == nil ? .absent : .ok), Channel(status: imu2 == nil ? .absent : .ok),
      Channel(status: load == nil ? .absent : .ok),
    ]
    queue.reserveCapacity(16)
  }

  static func request(matching r: IMUConfigurationReport) -> IMUConfigurationRequest {
    IMUConfigurationRequest(
      sampleRateHz: r.sampleRateHz, accelRangeG: r.accelRangeG, gyroRangeDPS: r.gyroRangeDPS,
      lowPassHz: r.lowPassHz, mode: r.mode)
  }

  public func status(of sensor: AcquisitionSensor) -> SensorStatus { channels[index(sensor)].status }

  /// True once `stop()` was called or the duration has passed and every event was handed out.
  public private(set) var isFinished = false

  /// Ends the loop: `next()` hands out what is queued, then nil.
  public mutating func stop() { stopped = true }

  /// The next event: a sample, a fault, a recovery, a lost sensor; nil once stopped or past the
  /// duration. Waits on the clock as the sensors need (about one sample period per sample).
  public mutating func next() -> AcquisitionEvent? {
    if let e = popQueued() { return e }
    if stopped {
      isFinished = true
      return nil
    }
    if startNanoseconds == nil {
      startNanoseconds = clock.nowNanoseconds
      // A first load value before the first sample (this waits up to one conversion), so that
      // every sample has one and the slot grid starts after the wait.
      readLoadIfDue()
      nextSlotAt = clock.nowNanoseconds
    }
    while head >= queue.count {
      if let d = durationSeconds, let s = startNanoseconds,
        clock.nowNanoseconds &- s >= UInt64((d * 1e9).rounded())
      {
        isFinished = true
        stopped = true
        return nil
      }
      runSlot()
    }
    return popQueued()
  }

  private mutating func popQueued() -> AcquisitionEvent? {
    guard head < queue.count else {
      if !queue.isEmpty {
        queue.removeAll(keepingCapacity: true)
        head = 0
      }
      return nil
    }
    let e = queue[head]
    head += 1
    return e
  }

  // MARK: One slot

  private mutating func runSlot() {
    for s in AcquisitionSensor.allCases {
      let c = channels[index(s)]
      if (c.status == .recovering || c.status == .lost) && clock.nowNanoseconds >= c.nextAttemptAt {
        attemptRecovery(s)
      }
    }
    if head < queue.count { return }
    if isReadable(.imu) {
      readPaced(by: .imu)
    } else if isReadable(.imu2) {
      readPaced(by: .imu2)
    } else {
      runClockPacedSlot()
    }
  }

  private mutating func readPaced(by pacer: AcquisitionSensor) {
    let timeout = UInt64(Double(periodNanoseconds) * max(1, policy.imuTimeoutPeriods))
    let began = clock.nowNanoseconds
    let m: IMUMeasurement?
    do throws(IMUDriverError) {
      m = try readIMU(pacer, timeoutNanoseconds: timeout)
    } catch {
      fault(pacer, .imu(error))
      waitForNextSlot()
      return
    }
    guard let m else {
      fault(pacer, .noData(waitedMicroseconds: (clock.nowNanoseconds &- began) / 1_000))
      nextSlotAt = clock.nowNanoseconds
      return
    }
    succeeded(pacer)
    let time = m.timestampNanoseconds == 0 ? clock.nowNanoseconds : m.timestampNanoseconds
    var sample = Sample(t: 0)
    let reading = IMUReading(acc: m.acc, gyr: m.gyr)
    var skip = false
    if pacer == .imu {
      sample.imu = reading
      if isReadable(.imu2) { skip = !readSecondary(into: &sample, pacedAt: time) }
    } else {
      sample.imu2 = reading
    }
    readLoadIfDue()
    nextSlotAt = max(time, clock.nowNanoseconds) &+ periodNanoseconds / 2
    if skip {
      return
    }
    emit(sample, at: time, pacer: pacer)
  }

  /// Pairs the second IMU's sample with the slot the first one paced at `time`: the one within
  /// ¾ of a period of it, reading (and waiting up to 1½ periods for) newer ones as needed. With
  /// none (one chip has a backlog the other has not) the slot has no `imu2`. False when the slot
  /// is lost to a fault.
  private mutating func readSecondary(into sample: inout Sample, pacedAt time: UInt64) -> Bool {
    let window = periodNanoseconds * 3 / 4
    func near(_ at: UInt64) -> Bool { at > time ? at - time <= window : time - at <= window }
    if let h = held2 {
      if near(h.at) {
        sample.imu2 = h.reading
        return true
      }
      if h.at > time { return true }
    }
    let began = clock.nowNanoseconds
    // Bounded: a FIFO backlog is at most a few dozen frames.
    for _ in 0..<64 {
      let m: IMUMeasurement?
      do throws(IMUDriverError) {
        m = try readIMU(.imu2, timeoutNanoseconds: periodNanoseconds + periodNanoseconds / 2)
      } catch {
        fault(.imu2, .imu(error))
        return false
      }
      guard let m else {
        fault(.imu2, .noData(waitedMicroseconds: (clock.nowNanoseconds &- began) / 1_000))
        return false
      }
      succeeded(.imu2)
      let at = m.timestampNanoseconds == 0 ? clock.nowNanoseconds : m.timestampNanoseconds
      let r = IMUReading(acc: m.acc, gyr: m.gyr)
      held2 = (r, at)
      if near(at) {
        sample.imu2 = r
        return true
      }
      if at > time { return true }
    }
    return true
  }

  private mutating func readIMU(_ s: AcquisitionSensor, timeoutNanoseconds: UInt64) throws(IMUDriverError)
    -> IMUMeasurement?
  {
    if s == .imu {
      guard var d = imuDriver else { return nil }
      imuDriver = nil
      defer { imuDriver = d }
      return try d.nextSample(timeoutNanoseconds: timeoutNanoseconds)
    }
    guard var d = imu2Driver else { return nil }
    imu2Driver = nil
    defer { imu2Driver = d }
    return try d.nextSample(timeoutNanoseconds: timeoutNanoseconds)
  }

  private mutating func runClockPacedSlot() {
    let now = clock.nowNanoseconds
    if nextSlotAt > now { clock.delay(nanoseconds: nextSlotAt &- now) }
    // Samples sit on the slot grid; a slot delayed by less than two periods (a load-cell read
    // that waited for its conversion) keeps its grid time and the next one catches up. After a
    // longer stall the grid restarts from now: the missed slots show as a gap.
    let late = clock.nowNanoseconds &- nextSlotAt
    let time = late < 2 &* periodNanoseconds ? nextSlotAt : clock.nowNanoseconds
    nextSlotAt = time &+ periodNanoseconds
    guard channels[index(.load)].status != .absent else { return }
    readLoadIfDue()
    guard currentLoad(at: time) != nil else { return }
    emit(Sample(t: 0), at: time, pacer: .load)
  }

  /// After a failed pacing read: wait out the rest of the slot so a failing bus does not spin.
  private mutating func waitForNextSlot() {
    let now = clock.nowNanoseconds
    if nextSlotAt > now {
      clock.delay(nanoseconds: nextSlotAt &- now)
      nextSlotAt &+= periodNanoseconds
    } else {
      nextSlotAt = now &+ periodNanoseconds
      clock.delay(nanoseconds: periodNanoseconds)
    }
  }

  private mutating func emit(_ sample: Sample, at time: UInt64, pacer: AcquisitionSensor) {
    if let last = lastSampleNanoseconds, time <= last {
      fault(pacer, .timestampNotIncreasing(previousNanoseconds: last, nanoseconds: time))
      return
    }
    let first = firstSampleNanoseconds ?? time
    firstSampleNanoseconds = first
    var s = sample
    let elapsed = time &- first
    let slot = Int64((Double(elapsed) / Double(periodNanoseconds)).rounded())
    let seq = max(lastSeq + 1, slot)
    statistics.skippedSlots += seq - lastSeq - 1
    lastSeq = seq
    lastSampleNanoseconds = time
    s.t = Double(elapsed) / 1e9
    s.seq = seq
    s.loadN = currentLoad(at: time)
    statistics.samples += 1
    queue.append(.sample(s))
  }

  // MARK: Load cell

  private mutating func readLoadIfDue() {
    guard isReadable(.load), var d = loadDriver else { return }
    let now = clock.nowNanoseconds
    guard now >= nextLoadReadAt else { return }
    loadDriver = nil
    defer { loadDriver = d }
    do throws(LoadCellError) {
      let v = try d.readForce()
      let after = clock.nowNanoseconds
      // The next conversion is a period after this one. Reading a little early (it then waits
      // for it, at most `loadEarlyNanoseconds`) keeps the reads locked to the conversions;
      // reading a slot late every time would drift until a conversion is skipped.
      nextLoadReadAt = after &+ loadPeriodNanoseconds &- loadEarlyNanoseconds
      if let v {
        latestLoad = v
        lastLoadAt = after
        statistics.loadConversions += 1
        succeeded(.load)
      }
    } catch {
      nextLoadReadAt = clock.nowNanoseconds &+ loadPeriodNanoseconds
      fault(.load, .loadCell(error))
    }
  }

  /// The latest conversion, while it is fresh enough to stand for a sample taken at `time`.
  private func currentLoad(at time: UInt64) -> Double? {
    guard let v = latestLoad, channels[index(.load)].status != .absent else { return nil }
    let hold = UInt64(Double(loadPeriodNanoseconds) * (1 + max(0, policy.loadHoldPeriods)))
    return time <= lastLoadAt || time &- lastLoadAt <= hold ? v : nil
  }

  // MARK: Faults and recovery

  private func index(_ s: AcquisitionSensor) -> Int {
    switch s {
    case .imu: return 0
    case .imu2: return 1
    case .load: return 2
    }
  }

  private func isReadable(_ s: AcquisitionSensor) -> Bool {
    let st = channels[index(s)].status
    return st == .ok || st == .failing
  }

  private var tNow: Double {
    let ref = firstSampleNanoseconds ?? startNanoseconds ?? clock.nowNanoseconds
    return Double(Int64(bitPattern: clock.nowNanoseconds &- ref)) / 1e9
  }

  private var seqNow: Int64 {
    guard let first = firstSampleNanoseconds else { return lastSeq + 1 }
    let slot = Int64((Double(Int64(bitPattern: clock.nowNanoseconds &- first)) / Double(periodNanoseconds)).rounded())
    return max(lastSeq + 1, slot)
  }

  private mutating func succeeded(_ s: AcquisitionSensor) {
    let i = index(s)
    if channels[i].status == .failing { channels[i].status = .ok }
    channels[i].consecutive = 0
    channels[i].downSince = nil
  }

  private mutating func fault(_ s: AcquisitionSensor, _ failure: SensorFailure) {
    let i = index(s)
    let now = clock.nowNanoseconds
    channels[i].consecutive += 1
    channels[i].lastFailure = failure
    if channels[i].downSince == nil { channels[i].downSince = now }
    statistics.count(failure.kind, s)
    queue.append(
      .fault(
        AcquisitionFault(
          sensor: s, failure: failure, t: tNow, seq: seqNow, phase: .reading,
          consecutive: channels[i].consecutive)))
    // The driver already set the chip up again after a reset: that is not a failing sensor.
    if failure.kind == .deviceReset { channels[i].consecutive = 0 }
    if channels[i].status == .ok { channels[i].status = .failing }
    if channels[i].consecutive >= max(1, policy.faultsBeforeRecovery) {
      // The first attempt after one back-off: a recovery may block (a load cell waits for its
      // first conversion), and the IMU FIFOs should drain in between.
      channels[i].status = .recovering
      channels[i].attempts = 0
      channels[i].nextAttemptAt = now &+ UInt64(max(0, policy.initialBackoffSeconds) * 1e9)
    }
  }

  private mutating func attemptRecovery(_ s: AcquisitionSensor) {
    let i = index(s)
    channels[i].attempts += 1
    statistics.recoveryAttempts += 1
    let failure: SensorFailure?
    switch s {
    case .imu, .imu2:
      failure = reconfigure(s)
    case .load:
      if var d = loadDriver {
        loadDriver = nil
        do throws(LoadCellError) {
          try d.start()
          failure = nil
        } catch {
          failure = .loadCell(error)
        }
        loadDriver = d
      } else {
        failure = .loadCell(.invalidState("no load-cell driver"))
      }
    }
    let now = clock.nowNanoseconds
    let down = Double(now &- (channels[i].downSince ?? now)) / 1e9
    guard let failure else {
      queue.append(
        .recovered(AcquisitionRecovery(sensor: s, t: tNow, downSeconds: down, attempts: channels[i].attempts)))
      statistics.recoveries += 1
      channels[i].status = .ok
      channels[i].consecutive = 0
      channels[i].attempts = 0
      channels[i].downSince = nil
      if s == .load { nextLoadReadAt = now &+ loadPeriodNanoseconds }
      if s == .imu2 { held2 = nil }
      nextSlotAt = min(nextSlotAt, now)
      return
    }
    channels[i].consecutive += 1
    channels[i].lastFailure = failure
    statistics.count(failure.kind, s)
    queue.append(
      .fault(
        AcquisitionFault(
          sensor: s, failure: failure, t: tNow, seq: seqNow, phase: .recovery,
          consecutive: channels[i].consecutive)))
    let attempts = channels[i].attempts
    let backoff = min(
      max(0, policy.maxBackoffSeconds),
      max(0, policy.initialBackoffSeconds) * Double(1 << min(attempts, 20)))
    channels[i].nextAttemptAt = now &+ UInt64(backoff * 1e9)
    if attempts >= max(1, policy.attemptsBeforeLost) && channels[i].status != .lost {
      channels[i].status = .lost
      statistics.sensorsLost += 1
      queue.append(
        .sensorLost(
          AcquisitionSensorLoss(sensor: s, t: tNow, downSeconds: down, attempts: attempts, lastFailure: failure)))
    }
  }

  private mutating func reconfigure(_ s: AcquisitionSensor) -> SensorFailure? {
    let request = s == .imu ? imuRequest : imu2Request
    guard let request else { return .imu(.notConfigured) }
    if s == .imu {
      guard var d = imuDriver else { return .imu(.notConfigured) }
      imuDriver = nil
      defer { imuDriver = d }
      do throws(IMUDriverError) {
        _ = try d.configure(request)
        return nil
      } catch {
        return .imu(error)
      }
    }
    guard var d = imu2Driver else { return .imu(.notConfigured) }
    imu2Driver = nil
    defer { imu2Driver = d }
    do throws(IMUDriverError) {
      _ = try d.configure(request)
      return nil
    } catch {
      return .imu(error)
    }
  }
}
