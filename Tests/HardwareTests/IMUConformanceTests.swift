import ChipEmulators
import HAL
import SensorDrivers
import XCTest

/// One emulated IMU on its own bus and clock, with the handles the conformance suite needs.
struct EmulatedIMUFixture {
  let name: String
  let clock: VirtualClock
  let bus: EmulatedI2CBus
  let address: UInt8
  let expectedChipID: UInt8
  let modes: [IMUReadMode]
  /// Largest reading at ±4 g / ±500 °/s from the datasheet sensitivity: int16 max counts
  /// (ST's 0.122 mg and 17.5 mdps per count reach a little past the nominal range).
  let fullScaleAt4gAnd500dps: (g: Double, dps: Double)
  let setMotion: (any MotionSource) -> Void
  /// Power-cycles the chip behind the driver's back (no bus error is seen).
  let silentReset: () -> Void
  let makeDriver: () -> any IMUDriver

  static func mpu(_ model: MPU6050Emulator.Model, address: UInt8 = 0x68) -> EmulatedIMUFixture {
    let clock = VirtualClock(startNanoseconds: 1_000_000_000)
    let bus = EmulatedI2CBus(clock: clock)
    let chip = MPU6050Emulator(model: model)
    bus.attach(chip, at: address)
    return EmulatedIMUFixture(
      name: model.name, clock: clock, bus: bus, address: address, expectedChipID: model.whoAmI,
      modes: [.dataReady, .fifo], fullScaleAt4gAnd500dps: (32767 / 8192, 32767 / 65.5), setMotion: { chip.motion = $0 },
      silentReset: { chip.powerOnReset(nowNanoseconds: clock.nowNanoseconds) },
      makeDriver: { MPU6050Driver(bus: bus, address: address, clock: clock) })
  }

  static func lsm(_ model: LSM6DSEmulator.Model, address: UInt8 = 0x6A) -> EmulatedIMUFixture {
    let clock = VirtualClock(startNanoseconds: 1_000_000_000)
    let bus = EmulatedI2CBus(clock: clock)
    let chip = LSM6DSEmulator(model: model)
    bus.attach(chip, at: address)
    return EmulatedIMUFixture(
      name: model.name, clock: clock, bus: bus, address: address, expectedChipID: model.whoAmI,
      modes: [.dataReady], fullScaleAt4gAnd500dps: (32767 * 0.122e-3, 32767 * 17.5e-3), setMotion: { chip.motion = $0 },
      silentReset: { chip.powerOnReset(nowNanoseconds: clock.nowNanoseconds) },
      makeDriver: { LSM6DSDriver(bus: bus, address: address, clock: clock) })
  }

  static var all: [() -> EmulatedIMUFixture] {
    [
      { .mpu(.mpu6050) }, { .mpu(.mpu6500, address: 0x69) }, { .mpu(.icm20602) },
      { .lsm(.lsm6ds3) }, { .lsm(.lsm6dsl, address: 0x6B) }, { .lsm(.lsm6dsox) },
    ]
  }
}

/// Runs the same checks against every emulated IMU and read mode: configure, a known pose and
/// rate converted to SI, saturation, and each injected fault giving the right typed error
/// followed by recovery.
final class IMUConformanceTests: XCTestCase {
  static let pose = ConstantMotion(specificForce: SIMD3(1.5, -2.0, 9.3), angularRate: SIMD3(0.2, -0.4, 0.6))
  let request = IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500)

  /// Calls `body` for every fixture and mode, with a configured driver reading `pose`.
  private func forEachIMU(
    _ body: (EmulatedIMUFixture, inout any IMUDriver, IMUReadMode, String) throws -> Void
  ) rethrows {
    for make in EmulatedIMUFixture.all {
      for mode in make().modes {
        let f = make()
        f.setMotion(Self.pose)
        var d = f.makeDriver()
        var r = request
        r.mode = mode
        let label = "\(f.name) \(mode)"
        do {
          _ = try d.configure(r)
        } catch {
          XCTFail("\(label): configure failed: \(error)")
          continue
        }
        try body(f, &d, mode, label)
      }
    }
  }

  /// Quantisation tolerance: one count of the range plus rounding.
  private func assertPose(
    _ m: IMUMeasurement?, range: (g: Double, dps: Double), _ label: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    guard let m else { return XCTFail("\(label): no sample", file: file, line: line) }
    let accLSB = range.g * 9.806_65 / 32768 * 1.5
    let gyrLSB = range.dps * .pi / 180 / 32768 * 1.5
    for i in 0..<3 {
      XCTAssertEqual(
        m.acc[i], Self.pose.state.specificForce[i], accuracy: accLSB, "\(label) acc[\(i)]", file: file, line: line)
      XCTAssertEqual(
        m.gyr[i], Self.pose.state.angularRate[i], accuracy: gyrLSB, "\(label) gyr[\(i)]", file: file, line: line)
    }
    XCTAssertEqual(m.temperatureC ?? .nan, 25, accuracy: 0.1, "\(label) temperature", file: file, line: line)
  }

  /// Polls like a reader loop (a quarter period apart) until a sample arrives, collecting the
  /// errors met on the way.
  private func pollForSample(_ d: inout any IMUDriver, clock: VirtualClock, maxPolls: Int = 400)
    -> (IMUMeasurement?, [IMUDriverError])
  {
    var errors: [IMUDriverError] = []
    for _ in 0..<maxPolls {
      do {
        if let m = try d.readSample() { return (m, errors) }
      } catch {
        errors.append(error)
      }
      clock.delay(milliseconds: 2)
    }
    return (nil, errors)
  }

  func testConfigureReportsChipRangesAndRate() throws {
    try forEachIMU { f, d, mode, label in
      let r = try XCTUnwrap(d.configuration, label)
      XCTAssertEqual(r.chipID, f.expectedChipID, label)
      XCTAssertTrue(r.isKnownChip, label)
      XCTAssertEqual(r.address, f.address, label)
      XCTAssertEqual(r.accelRangeG, 4, label)
      XCTAssertEqual(r.gyroRangeDPS, 500, label)
      XCTAssertEqual(r.sampleRateHz, 100, accuracy: 5, label)
      XCTAssertEqual(r.mode, mode, label)
    }
  }

  func testKnownPoseConvertsToSI() throws {
    try forEachIMU { f, d, _, label in
      for _ in 0..<5 {
        assertPose(try d.nextSample(timeoutNanoseconds: 100_000_000), range: (4, 500), label)
      }
    }
  }

  func testEveryRangeRoundTrips() throws {
    for make in EmulatedIMUFixture.all {
      for (g, dps) in [(2.0, 250.0), (8, 1000), (16, 2000)] {
        let f = make()
        f.setMotion(Self.pose)
        var d = f.makeDriver()
        let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 50, accelRangeG: g, gyroRangeDPS: dps))
        XCTAssertEqual(r.accelRangeG, g, f.name)
        XCTAssertEqual(r.gyroRangeDPS, dps, f.name)
        assertPose(try d.nextSample(timeoutNanoseconds: 200_000_000), range: (g, dps), "\(f.name) ±\(g) g ±\(dps) °/s")
      }
    }
  }

  func testRateAndConsecutiveSampleIndices() throws {
    try forEachIMU { f, d, mode, label in
      let rate = try XCTUnwrap(d.configuration?.sampleRateHz)
      let start = f.clock.nowNanoseconds
      var indices: [Int64] = []
      var stamps: [UInt64] = []
      // FIFO mode may poll lazily (every 50 ms); data-ready must poll faster than the rate.
      let poll: UInt64 = mode == .fifo ? 50_000_000 : 2_000_000
      while f.clock.nowNanoseconds - start < 1_000_000_000 {
        while let m = try d.readSample() {
          indices.append(m.sampleIndex ?? -1)
          stamps.append(m.timestampNanoseconds)
        }
        f.clock.delay(nanoseconds: poll)
      }
      XCTAssertEqual(Double(indices.count), rate, accuracy: rate * 0.03 + 1, label)
      XCTAssertEqual(indices.first, 0, label)
      XCTAssertEqual(indices, Array(0..<Int64(indices.count)), "\(label): indices have gaps")
      let spacing = zip(stamps.dropFirst(), stamps).map { Double($0 &- $1) / 1e9 }
      let mean = spacing.reduce(0, +) / Double(max(1, spacing.count))
      XCTAssertEqual(mean, 1 / rate, accuracy: 0.05 / rate, label)
    }
  }

  func testSaturatesAtFullScale() throws {
    try forEachIMU { f, d, _, label in
      f.setMotion(ConstantMotion(specificForce: SIMD3(100, -100, 0), angularRate: SIMD3(20, -20, 0)))
      // Skip a sample possibly taken before the change.
      _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
      f.clock.delay(milliseconds: 50)
      while try d.readSample() != nil {}
      let m = try XCTUnwrap(try d.nextSample(timeoutNanoseconds: 100_000_000), label)
      let a = f.fullScaleAt4gAnd500dps.g * 9.806_65
      let g = f.fullScaleAt4gAnd500dps.dps * .pi / 180
      XCTAssertEqual(m.acc.x, a, accuracy: a * 0.002, label)
      XCTAssertEqual(m.acc.y, -a, accuracy: a * 0.002, label)
      XCTAssertEqual(m.gyr.x, g, accuracy: g * 0.002, label)
      XCTAssertEqual(m.gyr.y, -g, accuracy: g * 0.002, label)
    }
  }

  func testTransientBusFaultsGiveTypedErrorsThenRecover() throws {
    let faults: [(I2CFault, I2CError.Kind, Int)] = [
      (.noAcknowledgeAddress, .noAcknowledgeAddress, 1), (.noAcknowledgeData, .noAcknowledgeData, 1),
      (.error(.bus), .bus, 3), (.error(.timeout), .timeout, 1), (.error(.arbitrationLost), .arbitrationLost, 2),
    ]
    for (fault, kind, count) in faults {
      try forEachIMU { f, d, _, label in
        _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
        f.bus.inject(fault, address: f.address, count: count)
        for i in 0..<count {
          XCTAssertThrowsError(try d.readSample(), "\(label) \(fault) #\(i)") { e in
            XCTAssertEqual((e as? IMUDriverError)?.busError?.kind, kind, "\(label) \(fault): \(e)")
          }
        }
        let (m, errors) = pollForSample(&d, clock: f.clock)
        XCTAssertEqual(errors, [], "\(label) after \(fault): the chip kept its configuration")
        assertPose(m, range: (4, 500), "\(label) after \(fault)")
      }
    }
  }

  func testVanishedChipIsReconfiguredWhenItReturns() throws {
    try forEachIMU { f, d, _, label in
      let before = try XCTUnwrap(try d.nextSample(timeoutNanoseconds: 100_000_000), label)
      f.bus.inject(.vanish(nanoseconds: 300_000_000), address: f.address)
      XCTAssertThrowsError(try d.readSample(), label) { e in
        XCTAssertEqual((e as? IMUDriverError)?.busError?.kind, .noAcknowledgeAddress, "\(label): \(e)")
      }
      var errors: [IMUDriverError] = []
      var sample: IMUMeasurement?
      for _ in 0..<100 where sample == nil {
        f.clock.delay(milliseconds: 10)
        let (m, e) = pollForSample(&d, clock: f.clock, maxPolls: 1)
        sample = m
        errors += e
      }
      XCTAssertTrue(
        errors.allSatisfy { $0.busError?.kind == .noAcknowledgeAddress || $0.isDeviceReset }, "\(label): \(errors)")
      XCTAssertEqual(errors.filter(\.isDeviceReset).count, 1, "\(label): \(errors)")
      assertPose(sample, range: (4, 500), "\(label) after return")
      // About 0.3 s at 100 Hz went by: the index shows the gap.
      XCTAssertGreaterThan((sample?.sampleIndex ?? 0) - (before.sampleIndex ?? 0), 25, label)
    }
  }

  func testSilentPowerCycleIsDetectedAndRepaired() throws {
    try forEachIMU { f, d, _, label in
      _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
      f.silentReset()
      let (m, errors) = pollForSample(&d, clock: f.clock)
      XCTAssertEqual(errors.count, 1, "\(label): \(errors)")
      XCTAssertTrue(errors.first?.isDeviceReset == true, "\(label): \(errors)")
      assertPose(m, range: (4, 500), "\(label) after silent reset")
    }
  }

  func testClockJumpShowsAsAGapOrAnOverflow() throws {
    try forEachIMU { f, d, mode, label in
      let before = try XCTUnwrap(try d.nextSample(timeoutNanoseconds: 100_000_000), label)
      while try d.readSample() != nil {}
      f.bus.inject(.clockJump(nanoseconds: 2_000_000_000), address: f.address)
      let (m, errors) = pollForSample(&d, clock: f.clock)
      switch mode {
      case .dataReady:
        XCTAssertEqual(errors, [], label)
      case .fifo:
        // 2 s at 100 Hz is more than any of these FIFOs holds.
        XCTAssertEqual(errors.count, 1, "\(label): \(errors)")
        if case .fifoOverflow = errors.first {} else { XCTFail("\(label): \(errors)") }
      }
      assertPose(m, range: (4, 500), "\(label) after jump")
      let gap = (m?.sampleIndex ?? 0) - (before.sampleIndex ?? 0)
      XCTAssertEqual(Double(gap), 200, accuracy: 10, "\(label): index gap")
    }
  }

  func testGarbageReadsAreRejectedOrHarmlessThenRecover() throws {
    try forEachIMU { f, d, _, label in
      _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
      f.bus.inject(.garbageRead, address: f.address, count: 3)
      for _ in 0..<3 {
        do {
          if let m = try d.readSample() {
            XCTAssertTrue(m.acc.x.isFinite && abs(m.acc.x) <= 4 * 9.81, label)
          }
        } catch let e as IMUDriverError {
          switch e {
          case .implausibleData, .fifoOverflow, .deviceReset: break
          default: XCTFail("\(label): unexpected \(e)")
          }
        }
        f.clock.delay(milliseconds: 10)
      }
      // Garbage may have been taken for a lost configuration: at most one repair.
      let (m, errors) = pollForSample(&d, clock: f.clock)
      XCTAssertLessThanOrEqual(errors.count, 1, "\(label): \(errors)")
      assertPose(m, range: (4, 500), "\(label) after garbage")
    }
  }

  func testTornReadStillDecodesAndRecovers() throws {
    try forEachIMU { f, d, _, label in
      _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
      f.bus.inject(.tornRead(afterBytes: 6, gapNanoseconds: 10_000_000), address: f.address)
      let (torn, e1) = pollForSample(&d, clock: f.clock)
      XCTAssertEqual(e1, [], label)
      // A constant pose hides the tear: values stay right.
      assertPose(torn, range: (4, 500), "\(label) torn")
      XCTAssertTrue(f.bus.faultPlan.isExhausted, label)
    }
  }

  func testInterruptedReconfigurationIsFinishedByTheNextRead() throws {
    try forEachIMU { f, d, mode, label in
      _ = try d.nextSample(timeoutNanoseconds: 100_000_000)
      f.bus.inject(.error(.bus), address: f.address, skip: 2)
      var r = request
      r.mode = mode
      XCTAssertThrowsError(try d.configure(r), label) { e in
        XCTAssertEqual((e as? IMUDriverError)?.busError?.kind, .bus, "\(label): \(e)")
      }
      XCTAssertNil(d.configuration, label)
      XCTAssertThrowsError(try d.readSample(), label) { e in
        XCTAssertTrue((e as? IMUDriverError)?.isDeviceReset == true, "\(label): \(e)")
      }
      let (m, errors) = pollForSample(&d, clock: f.clock)
      XCTAssertEqual(errors, [], label)
      assertPose(m, range: (4, 500), "\(label) after repair")
    }
  }

  func testSMBusSizedFIFOBurstsLoseNothing() throws {
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    bus.attach(MPU6050Emulator(motion: Self.pose), at: 0x68)
    var d = MPU6050Driver(bus: bus, clock: clock)
    d.maxFIFOBurstBytes = 28
    _ = try d.configure(IMUConfigurationRequest(sampleRateHz: 200, accelRangeG: 4, gyroRangeDPS: 500, mode: .fifo))
    var indices: [Int64] = []
    let t0 = clock.nowNanoseconds
    for _ in 0..<20 {
      clock.delay(milliseconds: 100)
      while let m = try d.readSample() {
        indices.append(m.sampleIndex ?? -1)
        assertPose(m, range: (4, 500), "28-byte bursts")
      }
    }
    XCTAssertEqual(indices, Array(0..<Int64(indices.count)))
    // Draining takes bus time too: compare with the time that passed, not the 2 s of delays.
    XCTAssertEqual(Double(indices.count), 200 * Double(clock.nowNanoseconds - t0) / 1e9, accuracy: 3)
  }

  func testUnknownCloneIsDrivenWithAWarning() throws {
    let f = EmulatedIMUFixture.mpu(.clone(whoAmI: 0x55))
    f.setMotion(Self.pose)
    var d = f.makeDriver()
    let r = try d.configure(request)
    XCTAssertFalse(r.isKnownChip)
    XCTAssertEqual(r.chipID, 0x55)
    XCTAssertEqual(r.warnings.count, 1, "\(r.warnings)")
    assertPose(try d.nextSample(timeoutNanoseconds: 100_000_000), range: (4, 500), "clone")
  }

  func testReadBeforeConfigureIsTyped() {
    for make in EmulatedIMUFixture.all {
      var d = make().makeDriver()
      XCTAssertThrowsError(try d.readSample()) { e in
        XCTAssertEqual(e as? IMUDriverError, .notConfigured)
      }
    }
  }

  func testNothingAtTheAddressIsABusError() {
    for make in EmulatedIMUFixture.all {
      let f = make()
      f.bus.detach(address: f.address)
      var d = f.makeDriver()
      XCTAssertThrowsError(try d.configure(request)) { e in
        XCTAssertEqual((e as? IMUDriverError)?.busError?.kind, .noAcknowledgeAddress)
      }
    }
  }
}

extension IMUDriverError {
  var isDeviceReset: Bool {
    if case .deviceReset = self { return true }
    return false
  }
}
