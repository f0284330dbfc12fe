import Acquisition
import ChipEmulators
import HAL
import SensorDrivers
import Testing
import TractionCore

/// The acquisition loop on emulated chips: pacing, holding the load, faults, recovery.
@Suite struct AcquisitionLoopTests {
  /// A rig on a virtual clock: an MPU-6050 at 0x68 (optionally a second at 0x69) and
  /// optionally an HX711 on emulated GPIO.
  struct Rig {
    let clock = VirtualClock(startNanoseconds: 5_000_000_000)
    let bus: EmulatedI2CBus
    var imu: MPU6050Driver<EmulatedI2CBus>?
    var imu2: MPU6050Driver<EmulatedI2CBus>?
    var hx: EmulatedHX711?
    var load: HX711Driver<VirtualClock, EmulatedHX711.ClockLine, EmulatedHX711.DataLine>?

    init(
      imu: Bool = true, mode: IMUReadMode = .dataReady, motion: any MotionSource = ConstantMotion.flat,
      secondIMU: Bool = false, force: (any ForceSource)? = nil
    ) throws {
      bus = EmulatedI2CBus(clock: clock)
      if let force {
        let chip = EmulatedHX711(clock: clock, samplesPerSecond: 10, bridge: Self.bridge, force: force)
        var d = HX711Driver(
          clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
          calibration: LoadCellCalibration(
            offsetCounts: Self.bridge.offsetCounts, newtonsPerCount: 1 / Self.bridge.countsPerNewton))
        try d.start()
        hx = chip
        load = d
      }
      let request = IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500, mode: mode)
      // The second IMU first, then time passes: it starts with a backlog the first has not.
      if secondIMU {
        bus.attach(MPU6050Emulator(motion: motion, seed: 2), at: 0x69)
        var d = MPU6050Driver(bus: bus, address: 0x69, clock: clock)
        _ = try d.configure(request)
        imu2 = d
        clock.advance(nanoseconds: 200_000_000)
      }
      if imu {
        bus.attach(MPU6050Emulator(motion: motion, seed: 1), at: 0x68)
        var d = MPU6050Driver(bus: bus, address: 0x68, clock: clock)
        _ = try d.configure(request)
        self.imu = d
      }
    }

    /// Exact: no noise, so a load value can be traced to the force that made it.
    static let bridge = LoadCellBridgeModel(countsPerNewton: 100, offsetCounts: 5_000, noiseCountsRMS: 0)

    func acquisition(rateHz: Double = 100, duration: Double? = nil) throws -> SensorAcquisition {
      try SensorAcquisition(
        clock: clock, rateHz: rateHz, imu: imu, imu2: imu2, load: load, durationSeconds: duration)
    }
  }

  struct Collected {
    var events: [AcquisitionEvent] = []
    var samples: [Sample] { events.compactMap { if case .sample(let s) = $0 { s } else { nil } } }
    var faults: [AcquisitionFault] { events.compactMap { if case .fault(let f) = $0 { f } else { nil } } }
  }

  /// Runs the loop to its end, calling `at` with the seconds since the start before each event.
  static func collect(_ acq: inout SensorAcquisition, clock: VirtualClock, at: (Double) -> Void = { _ in })
    -> Collected
  {
    let start = clock.nowNanoseconds
    var c = Collected()
    while true {
      at(Double(clock.nowNanoseconds &- start) / 1e9)
      guard let e = acq.next() else { break }
      c.events.append(e)
    }
    return c
  }

  static func checkTimeBase(_ samples: [Sample], rate: Double) {
    #expect(samples.first?.t == 0)
    for (a, b) in zip(samples, samples.dropFirst()) {
      #expect(b.t > a.t)
      // seq is the slot index of the time since the first sample.
      let slots = ((b.t - a.t) * rate).rounded()
      #expect(b.seq! - a.seq! == max(1, Int64(slots)), "seq \(a.seq!)→\(b.seq!) over \(b.t - a.t) s")
    }
  }

  @Test func steadyIMUGivesOneSamplePerPeriodWithNoGaps() throws {
    let rig = try Rig()
    var acq = try rig.acquisition(duration: 1)
    let c = Self.collect(&acq, clock: rig.clock)
    #expect(c.faults.isEmpty)
    #expect((99...101).contains(c.samples.count))
    #expect(c.samples.map(\.seq) == (0..<Int64(c.samples.count)).map { $0 })
    Self.checkTimeBase(c.samples, rate: 100)
    #expect(c.samples.allSatisfy { abs($0.imu!.acc.z - 9.80665) < 0.01 && $0.imu2 == nil && $0.loadN == nil })
    #expect(acq.statistics.samples == c.samples.count && acq.statistics.skippedSlots == 0)
    #expect(acq.isFinished)
  }

  @Test func transientBusErrorsSkipSlotsWithoutARecovery() throws {
    let rig = try Rig()
    var acq = try rig.acquisition(duration: 1)
    var injected = false
    let c = Self.collect(&acq, clock: rig.clock) { t in
      if t > 0.5 && !injected {
        injected = true
        rig.bus.inject(.error(.bus), address: 0x68, count: 2)
      }
    }
    #expect(c.faults.count == 2)
    #expect(c.faults.map(\.kind) == [.bus, .bus])
    #expect(c.faults.map(\.consecutive) == [1, 2])
    #expect(c.faults.allSatisfy { $0.sensor == .imu && $0.phase == .reading && $0.t > 0.49 && $0.t < 0.6 })
    #expect(!c.events.contains { if case .recovered = $0 { true } else { false } })
    #expect(!c.events.contains { if case .sensorLost = $0 { true } else { false } })
    // The lost slots show: seq jumps over them, and the jump is where the faults were.
    Self.checkTimeBase(c.samples, rate: 100)
    #expect((1...3).contains(acq.statistics.skippedSlots))
    let jump = try #require(zip(c.samples, c.samples.dropFirst()).first { $1.seq! - $0.seq! > 1 })
    #expect(jump.0.t < c.faults[0].t && jump.1.t > c.faults[1].t)
    #expect(acq.status(of: .imu) == .ok)
  }

  @Test func anIMUThatVanishesIsRecoveredReportedLostAndComesBack() throws {
    let rig = try Rig()
    var acq = try rig.acquisition(duration: 3)
    var injected = false
    let c = Self.collect(&acq, clock: rig.clock) { t in
      if t > 1 && !injected {
        injected = true
        rig.bus.inject(.vanish(nanoseconds: 1_000_000_000), address: 0x68)
      }
    }
    // The order of what happened to the IMU.
    var stages: [String] = []
    for e in c.events {
      let s: String
      switch e {
      case .sample: s = "sample"
      case .fault(let f): s = f.phase == .reading ? "fault" : "retry"
      case .recovered: s = "recovered"
      case .sensorLost: s = "lost"
      }
      if stages.last != s { stages.append(s) }
    }
    #expect(stages == ["sample", "fault", "retry", "lost", "retry", "recovered", "sample"])
    let reading = c.faults.filter { $0.phase == .reading }
    #expect(reading.map(\.consecutive) == [1, 2, 3])
    // Recovery attempts back off: 50 ms after the third fault, then doubling.
    let tries = [reading[2].t] + c.faults.filter { $0.phase == .recovery }.map(\.t)
    for (k, (a, b)) in zip(tries, tries.dropFirst()).enumerated() {
      let backoff = 0.05 * Double(1 << k)
      #expect(b - a >= backoff - 1e-6 && b - a < backoff + 0.15, "attempt \(k + 1): \(b - a) s after the last")
    }
    #expect(
      reading.allSatisfy {
        $0.kind == .bus
          && $0.failure
            == .imu(
              .bus(I2CError(.noAcknowledgeAddress, address: 0x68, detail: "emulated device is away (injected vanish)")))
      })
    // The outage is one gap in t and seq, at least as long as the chip was away.
    Self.checkTimeBase(c.samples, rate: 100)
    let gap = try #require(zip(c.samples, c.samples.dropFirst()).max { ($0.1.t - $0.0.t) < ($1.1.t - $1.0.t) })
    #expect(gap.1.t - gap.0.t >= 1.0 && gap.1.t - gap.0.t < 2.5)
    #expect(acq.statistics.skippedSlots == gap.1.seq! - gap.0.seq! - 1)
    let stats = acq.statistics
    #expect(stats.samples == c.samples.count && stats.faults == c.faults.count)
    #expect(stats.recoveries == 1 && stats.sensorsLost == 1 && stats.faults(of: .imu) == c.faults.count)
    #expect(stats.recoveryAttempts == c.faults.count - 3 + 1)
    #expect(acq.status(of: .imu) == .ok)
    // The lost event says how long and how often.
    let lost = try #require(
      c.events.lazy.compactMap { if case .sensorLost(let l) = $0 { l } else { nil } }.first)
    #expect(lost.sensor == .imu && lost.attempts == 3 && lost.downSeconds > 0)
    #expect(AcquisitionEvent.sensorLost(lost).recordingNote?.hasPrefix("sensor_lost: t=1.") == true)
  }

  @Test func anotherChipWhereTheIMUWasIsATypedLossUntilTheRightOneIsBack() throws {
    let rig = try Rig()
    var acq = try rig.acquisition(duration: 4)
    var phase = 0
    let original = rig.bus.device(at: 0x68)
    let c = Self.collect(&acq, clock: rig.clock) { t in
      if t > 0.5 && phase == 0 {
        phase = 1
        // Unplugged, and a different part (an LSM6DS: no WHO_AM_I at 0x75) put in its place.
        rig.bus.detach(address: 0x68)
        rig.bus.attach(LSM6DSEmulator(), at: 0x68)
      } else if t > 2 && phase == 1, let original {
        phase = 2
        rig.bus.detach(address: 0x68)
        rig.bus.attach(original, at: 0x68)
        original.powerOnReset(nowNanoseconds: rig.clock.nowNanoseconds)
      }
    }
    let retries = c.faults.filter { $0.phase == .recovery }
    #expect(!retries.isEmpty)
    #expect(retries.allSatisfy { $0.kind == .wrongChip })
    #expect(retries.allSatisfy { if case .imu(.wrongChip(address: 0x68, _, _)) = $0.failure { true } else { false } })
    let lost = try #require(c.events.lazy.compactMap { if case .sensorLost(let l) = $0 { l } else { nil } }.first)
    #expect(lost.lastFailure.kind == .wrongChip)
    let back = try #require(c.events.lazy.compactMap { if case .recovered(let r) = $0 { r } else { nil } }.first)
    #expect(back.t > 2 && back.t < 4)
    #expect(c.samples.contains { $0.t > back.t })
    Self.checkTimeBase(c.samples, rate: 100)
  }

  @Test func loadIsHeldBetweenConversionsAndDropsOutWhileTheCellIsGone() throws {
    // A ramp of 10 N/s from the rig's start: every conversion has its own value.
    let origin = 5.0
    let rig = try Rig(mode: .fifo, force: ClosureForce { t in 10 * (t - origin) })
    var acq = try rig.acquisition(duration: 9)
    let startS = Double(rig.clock.nowNanoseconds) / 1e9
    var phase = 0
    let c = Self.collect(&acq, clock: rig.clock) { t in
      if t > 2 && phase == 0 {
        phase = 1
        rig.hx?.vanish(doutFloatsHigh: true)
      } else if t > 6 && phase == 1 {
        phase = 2
        rig.hx?.reconnect()
      }
    }
    let samples = c.samples
    func during(_ a: Double, _ b: Double) -> [Sample] { samples.filter { $0.t >= a && $0.t < b } }

    // Before: a value in every sample, one new value per conversion (10 a second), each the
    // force of a conversion at most a period and a slot before the sample.
    let before = during(0, 1.9)
    #expect(before.allSatisfy { $0.loadN != nil })
    let distinct = zip(before, before.dropFirst()).filter { $0.loadN != $1.loadN }.count
    #expect((17...20).contains(distinct), "\(distinct) changes in 1.9 s")
    let t0 = startS - origin  // force time of t_s = 0 is about this, plus the first sample's delay
    for s in before.dropFirst(12) {
      let forceNow = 10 * (s.t + t0)
      let held = s.loadN!
      #expect(held <= forceNow + 0.3 && held >= forceNow - 10 * 0.25, "t \(s.t): held \(held) N, now \(forceNow) N")
    }

    // While the cell is gone the IMU samples go on; the load is held a few conversions, then
    // missing; the cell is reported lost with typed faults, and comes back after reconnection.
    #expect(during(2.9, 5.9).count > 250)
    #expect(during(2.9, 5.9).allSatisfy { $0.imu != nil && $0.loadN == nil })
    let loadFaults = c.faults.filter { $0.sensor == .load }
    #expect(loadFaults.first?.kind == .noData)
    #expect(loadFaults.first.map { if case .loadCell(.dataReadyTimeout) = $0.failure { true } else { false } } == true)
    #expect(c.events.contains { if case .sensorLost(let l) = $0 { l.sensor == .load } else { false } })
    let back = try #require(c.events.lazy.compactMap { if case .recovered(let r) = $0 { r } else { nil } }.first)
    #expect(back.sensor == .load && back.t > 6 && back.t < 8)
    #expect(during(8, 9).count > 90 && during(8, 9).allSatisfy { $0.loadN != nil })
    #expect(acq.status(of: .load) == .ok)
    // The IMU never faulted beyond FIFO overflows while the HX711 blocked the loop.
    #expect(c.faults.filter { $0.sensor == .imu }.allSatisfy { $0.kind == .overflow })
  }

  @Test(arguments: Array(UInt64(1)...20))
  func randomFaultsNeverStopTheLoopAndItEndsHealthy(seed: UInt64) throws {
    // Two IMUs and a load cell; for 5 s every kind of bus fault at random, then 5 s clean (a
    // lost sensor is retried at most 2 s apart, so all are back well before the last 1.5 s).
    let rig = try Rig(mode: .fifo, secondIMU: true, force: ConstantForce(newtons: 20))
    var acq = try rig.acquisition(duration: 10)
    var rng = SplitMix64(seed: seed)
    var nextFaultAt = 0.2
    var cleared = false
    let c = Self.collect(&acq, clock: rig.clock) { t in
      if t >= 5 && !cleared {
        // Faults are planned per transaction: those a recovering sensor did not use up would
        // hit its recovery attempts long after. The trouble ends here, so drop them.
        cleared = true
        rig.bus.faultPlan.removeAll()
      }
      guard t < 5, t >= nextFaultAt else { return }
      nextFaultAt = t + 0.05 + 0.4 * rng.nextUnitInterval()
      let address: UInt8 = rng.next() % 2 == 0 ? 0x68 : 0x69
      let faults: [I2CFault] = [
        .noAcknowledgeAddress, .noAcknowledgeData, .error(.bus), .error(.timeout), .garbageRead,
        .tornRead(afterBytes: 7, gapNanoseconds: 3_000_000), .clockJump(nanoseconds: 40_000_000),
        .vanish(nanoseconds: 300_000_000),
      ]
      let f = faults[Int(rng.next() % UInt64(faults.count))]
      rig.bus.inject(f, address: address, count: 1 + Int(rng.next() % 3))
      if rng.next() % 5 == 0 { rig.hx?.injectPreemption(atPulse: 5, nanoseconds: 70_000) }
    }
    let samples = c.samples
    #expect(acq.isFinished)
    #expect(acq.statistics.samples == samples.count && acq.statistics.faults == c.faults.count)
    #expect(c.faults.count > 5)
    // The time base holds whatever happened.
    for (a, b) in zip(samples, samples.dropFirst()) {
      #expect(b.t > a.t && b.seq! > a.seq!)
    }
    // The clean end: every sensor back, every sample complete, no slot lost.
    for s in AcquisitionSensor.allCases { #expect(acq.status(of: s) == .ok, "\(s)") }
    let end = samples.filter { $0.t > (samples.last?.t ?? 0) - 1.5 }
    #expect(end.count > 140)
    #expect(end.allSatisfy { $0.imu != nil && $0.imu2 != nil && abs($0.loadN! - 20) < 0.05 })
    #expect(zip(end, end.dropFirst()).allSatisfy { $1.seq! == $0.seq! + 1 })
  }

  @Test func withoutAnIMUTheLoopPacesItselfOnTheClock() throws {
    let rig = try Rig(imu: false, force: ConstantForce(newtons: 42))
    var acq = try rig.acquisition(rateHz: 50, duration: 1)
    let c = Self.collect(&acq, clock: rig.clock)
    #expect(c.faults.isEmpty)
    // The first sample waits for the first conversion (under one conversion period, 0.1 s).
    #expect((45...51).contains(c.samples.count))
    for (k, s) in c.samples.enumerated() {
      #expect(abs(s.t - Double(k) * 0.02) < 1e-6 && s.seq == Int64(k), "\(k): t \(s.t) seq \(s.seq!)")
      #expect(abs(s.loadN! - 42) < 0.02 && s.imu == nil)
    }
    #expect((9...11).contains(acq.statistics.loadConversions))
  }

  @Test func theSecondIMUIsPairedByTimeEvenWithABacklog() throws {
    // Both chips feel the same ramp on x: paired samples must agree to within the time they
    // may differ by (¾ of a period between the drivers' timestamps, which are estimates good
    // to a poll interval), not by the second chip's 200 ms head start (2 m/s² on this ramp).
    let ramp = ClosureMotion { t in
      MotionState(specificForce: SIMD3(10 * (t - 5).truncatingRemainder(dividingBy: 3), 0, 9.8))
    }
    let rig = try Rig(mode: .fifo, motion: ramp, secondIMU: true)
    var acq = try rig.acquisition(duration: 1)
    let c = Self.collect(&acq, clock: rig.clock)
    #expect(c.faults.isEmpty)
    let paired = c.samples.filter { $0.imu2 != nil }
    #expect(paired.count >= c.samples.count - 1 && paired.count > 95)
    for s in paired where s.imu!.acc.x > 0.5 && s.imu!.acc.x < 25 {
      #expect(abs(s.imu!.acc.x - s.imu2!.acc.x) < 10 * 0.0125, "t \(s.t)")
    }
  }

  @Test func stopEndsTheLoopAndBadSetupsAreRefused() throws {
    let rig = try Rig()
    var acq = try rig.acquisition()
    var n = 0
    while let e = acq.next() {
      if case .sample = e { n += 1 }
      if n == 5 { acq.stop() }
    }
    #expect(n == 5 && acq.isFinished && acq.next() == nil)

    #expect(throws: AcquisitionSetupError.self) { _ = try SensorAcquisition(clock: rig.clock, rateHz: 100) }
    let noIMU = try Rig(imu: false, force: ConstantForce(newtons: 1))
    #expect(throws: AcquisitionSetupError.self) { _ = try noIMU.acquisition(rateHz: 0) }
    #expect(throws: AcquisitionSetupError.self) { _ = try noIMU.acquisition(rateHz: .nan) }
    #expect(throws: AcquisitionSetupError.self) { _ = try noIMU.acquisition(rateHz: 50, duration: -1) }
  }

  @Test func faultNotesReadLikeTheRecordingFormatWants() {
    let f = AcquisitionFault(
      sensor: .imu, failure: .imu(.bus(I2CError(.noAcknowledgeAddress, address: 0x68))), t: 12.3449996, seq: 1234,
      phase: .reading, consecutive: 1)
    #expect(
      AcquisitionEvent.fault(f).recordingNote == "fault: t=12.345000 imu: I2C no acknowledge of the address at 0x68")
    #expect(f.kind == .bus)
    let g = AcquisitionFault(
      sensor: .load, failure: .loadCell(.timingOverrun(measuredMicroseconds: 83, limitMicroseconds: 50)), t: -0.0000004,
      seq: 0, phase: .recovery, consecutive: 4)
    #expect(g.description.hasPrefix("t=0.000000 load: HX711: a clock high phase lasted 83.0 µs"))
    #expect(g.description.hasSuffix("(recovery attempt failed)"))
    #expect(g.kind == .timing)
    #expect(AcquisitionEvent.sample(Sample(t: 0)).recordingNote == nil)
  }
}
