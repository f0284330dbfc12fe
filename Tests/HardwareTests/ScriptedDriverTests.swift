import ChipEmulators
import HAL
import SensorDrivers
import XCTest

/// The exact bus traffic of each driver, against the register maps in the datasheets.
final class MPU6050ScriptedTests: XCTestCase {
  typealias E = ScriptedI2CBus.Expectation
  let a: UInt8 = 0x68

  /// WHO_AM_I, DEVICE_RESET, wait, wake on PLL, SMPLRT_DIV…ACCEL_CONFIG in one burst.
  func configureScript(id: UInt8 = 0x68) -> [E] {
    [
      .readRegisters(a, from: 0x75, returns: [id]),
      .writeRegister(a, 0x6B, 0x80),
      .readRegisters(a, from: 0x6B, returns: [0x40]),
      .writeRegister(a, 0x6B, 0x01),
      // 100 Hz = 1 kHz / (1 + 9); DLPF 3 (42 Hz, the widest below 50 Hz); ±500 °/s FS_SEL 1; ±4 g AFS_SEL 1.
      .write(a, [0x19, 0x09, 0x03, 0x08, 0x08]),
    ]
  }

  func dataReadyTail() -> [E] {
    [
      .writeRegister(a, 0x38, 0x01),
      .readRegisters(a, from: 0x3A, returns: [0x00]),
      .readRegisters(a, from: 0x19, returns: [0x09, 0x03, 0x08, 0x08]),
    ]
  }

  func fifoTail() -> [E] {
    [
      .writeRegister(a, 0x6A, 0x04),
      .writeRegister(a, 0x23, 0xF8),
      .writeRegister(a, 0x38, 0x10),
      .writeRegister(a, 0x6A, 0x40),
      .readRegisters(a, from: 0x3A, returns: [0x00]),
      .readRegisters(a, from: 0x19, returns: [0x09, 0x03, 0x08, 0x08]),
    ]
  }

  /// accel X = 8192 (1 g at ±4 g: 8192 LSB/g), Y = −4096, Z = 0; temperature −3400 (36.53 − 10 °C);
  /// gyro X = 655 (10 °/s at 65.5 LSB/°/s), Y = −1310, Z = 0.
  let frame: [UInt8] = [0x20, 0x00, 0xF0, 0x00, 0x00, 0x00, 0xF2, 0xB8, 0x02, 0x8F, 0xFA, 0xE2, 0x00, 0x00]

  func assertFrame(_ m: IMUMeasurement?, file: StaticString = #filePath, line: UInt = #line) {
    guard let m else { return XCTFail("no sample", file: file, line: line) }
    XCTAssertEqual(m.acc.x, 9.806_65, accuracy: 1e-3, file: file, line: line)
    XCTAssertEqual(m.acc.y, -9.806_65 / 2, accuracy: 1e-3, file: file, line: line)
    XCTAssertEqual(m.acc.z, 0, file: file, line: line)
    XCTAssertEqual(m.temperatureC ?? 0, 26.53, accuracy: 1e-9, file: file, line: line)
    XCTAssertEqual(m.gyr.x, 10 * .pi / 180, accuracy: 10 * .pi / 180 * 1e-3, file: file, line: line)
    XCTAssertEqual(m.gyr.y, -20 * .pi / 180, accuracy: 20 * .pi / 180 * 1e-3, file: file, line: line)
  }

  func testConfigureAndReadDataReady() throws {
    let clock = VirtualClock()
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        configureScript() + dataReadyTail() + [
          .readRegisters(a, from: 0x3A, returns: [0x01]),
          .readRegisters(a, from: 0x3B, returns: frame),
          .readRegisters(a, from: 0x3A, returns: [0x00]),
        ]), clock: clock)
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertEqual(r.chipName, "MPU-6050")
    XCTAssertTrue(r.isKnownChip)
    XCTAssertEqual(r.sampleRateHz, 100)
    XCTAssertEqual(r.lowPassHz, 42)
    XCTAssertEqual(r.warnings, [])
    // The reset wait went through the injected clock: 100 ms + 10 ms for the PLL.
    XCTAssertEqual(clock.nowNanoseconds, 110_000_000)
    assertFrame(try d.readSample())
    XCTAssertNil(try d.readSample())
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testFIFOBurstIsHandedOutFrameByFrame() throws {
    let twoFrames = frame + frame
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        configureScript() + fifoTail() + [
          .readRegisters(a, from: 0x3A, returns: [0x00]),
          .readRegisters(a, from: 0x72, returns: [0x00, 28]),
          .readRegisters(a, from: 0x74, returns: twoFrames),
          .readRegisters(a, from: 0x3A, returns: [0x00]),
          .readRegisters(a, from: 0x72, returns: [0x00, 0x00]),
        ]), clock: VirtualClock())
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500, mode: .fifo))
    XCTAssertEqual(r.mode, .fifo)
    let m1 = try d.readSample()
    let m2 = try d.readSample()
    assertFrame(m1)
    assertFrame(m2)
    XCTAssertEqual(m1?.sampleIndex, 0)
    XCTAssertEqual(m2?.sampleIndex, 1)
    // The older frame is a period older.
    XCTAssertEqual((m2?.timestampNanoseconds ?? 0) - (m1?.timestampNanoseconds ?? 0), 10_000_000)
    XCTAssertNil(try d.readSample())
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testFIFOOverflowRestartsTheFIFOAndIsTyped() throws {
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        configureScript() + fifoTail() + [
          .readRegisters(a, from: 0x3A, returns: [0x10]),
          .readRegisters(a, from: 0x72, returns: [0x04, 0x00]),
          .writeRegister(a, 0x6A, 0x44),
        ]), clock: VirtualClock())
    _ = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500, mode: .fifo))
    XCTAssertThrowsError(try d.readSample()) { e in
      XCTAssertEqual(e as? IMUDriverError, .fifoOverflow(lostBytes: 1024))
    }
    XCTAssertEqual(d.statistics.fifoOverflows, 1)
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testUnknownIDIsAcceptedWithAWarningOrRefusedWhenStrict() throws {
    var d = MPU6050Driver(bus: ScriptedI2CBus(configureScript(id: 0x55) + dataReadyTail()), clock: VirtualClock())
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertFalse(r.isKnownChip)
    XCTAssertEqual(r.chipID, 0x55)
    XCTAssertTrue(r.warnings.contains { $0.contains("0x55") }, "\(r.warnings)")
    XCTAssertNoThrow(try d.bus.finish())

    var strict = MPU6050Driver(
      bus: ScriptedI2CBus([.readRegisters(a, from: 0x75, returns: [0x55])]), clock: VirtualClock(),
      acceptUnknownChips: false)
    XCTAssertThrowsError(try strict.configure(IMUConfigurationRequest())) { e in
      guard case .wrongChip(0x68, 0x55, _) = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
    XCTAssertNoThrow(try strict.bus.finish())
  }

  func testAllOnesIdentityIsWrongChip() {
    var d = MPU6050Driver(bus: ScriptedI2CBus([.readRegisters(a, from: 0x75, returns: [0xFF])]), clock: VirtualClock())
    XCTAssertThrowsError(try d.configure(IMUConfigurationRequest())) { e in
      guard case .wrongChip(_, 0xFF, _) = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
  }

  func testResetThatNeverCompletesTimesOut() {
    let stuck = (0..<10).map { _ in E.readRegisters(a, from: 0x6B, returns: [0xC0]) }
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        [.readRegisters(a, from: 0x75, returns: [0x68]), .writeRegister(a, 0x6B, 0x80)] + stuck),
      clock: VirtualClock())
    XCTAssertThrowsError(try d.configure(IMUConfigurationRequest())) { e in
      guard case .timeout = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testBusErrorLeadsToAConfigurationCheckBeforeTheNextRead() throws {
    let nak = I2CError(.noAcknowledgeData, address: 0x68)
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        configureScript() + dataReadyTail() + [
          .failing(a, [.write([0x3A]), .read(1)], with: nak),
          .readRegisters(a, from: 0x6B, returns: [0x01]),
          .readRegisters(a, from: 0x19, returns: [0x09, 0x03, 0x08, 0x08]),
          .readRegisters(a, from: 0x3A, returns: [0x01]),
          .readRegisters(a, from: 0x3B, returns: frame),
        ]), clock: VirtualClock())
    _ = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertThrowsError(try d.readSample()) { e in
      XCTAssertEqual(e as? IMUDriverError, .bus(nak))
    }
    assertFrame(try d.readSample())
    XCTAssertEqual(d.statistics.busErrors, 1)
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testImplausibleTemperatureIsRejected() throws {
    var bad = frame
    bad[6] = 0x7F  // temperature raw 0x7FB8 ≈ +130 °C
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        configureScript() + dataReadyTail() + [
          .readRegisters(a, from: 0x3A, returns: [0x01]),
          .readRegisters(a, from: 0x3B, returns: bad),
        ]), clock: VirtualClock())
    _ = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertThrowsError(try d.readSample()) { e in
      guard case .implausibleData = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testMPU6500AlsoSetsTheAccelerometerFilter() throws {
    var script = configureScript(id: 0x70)
    // ACCEL_CONFIG2 (0x1D) follows in the same burst with the same filter index.
    script[4] = .write(a, [0x19, 0x09, 0x03, 0x08, 0x08, 0x03])
    var d = MPU6050Driver(bus: ScriptedI2CBus(script + dataReadyTail()), clock: VirtualClock())
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertEqual(r.chipName, "MPU-6500")
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testRequestsAreClampedWithWarnings() throws {
    var script = configureScript()
    // 2 kHz asked: the divider bottoms out at 0 (1 kHz); ±32 g → ±16 g (3 << 3); 4000 °/s → 2000.
    script[4] = .write(a, [0x19, 0x00, 0x01, 0x18, 0x18])
    var d = MPU6050Driver(
      bus: ScriptedI2CBus(
        script + [
          .writeRegister(a, 0x38, 0x01),
          .readRegisters(a, from: 0x3A, returns: [0x00]),
          .readRegisters(a, from: 0x19, returns: [0x00, 0x01, 0x18, 0x18]),
        ]), clock: VirtualClock())
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 2000, accelRangeG: 32, gyroRangeDPS: 4000))
    XCTAssertEqual(r.sampleRateHz, 1000)
    XCTAssertEqual(r.accelRangeG, 16)
    XCTAssertEqual(r.gyroRangeDPS, 2000)
    XCTAssertEqual(r.lowPassHz, 188)
    XCTAssertEqual(r.warnings.count, 3, "\(r.warnings)")
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testNonPositiveRateIsAnInvalidConfiguration() {
    var d = MPU6050Driver(bus: ScriptedI2CBus(), clock: VirtualClock())
    XCTAssertThrowsError(try d.configure(IMUConfigurationRequest(sampleRateHz: 0))) { e in
      guard case .invalidConfiguration = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
    XCTAssertNoThrow(try d.bus.finish())
  }
}

final class LSM6DSScriptedTests: XCTestCase {
  let a: UInt8 = 0x6A

  func testConfigureAndRead() throws {
    // OUT_TEMP 512 (27 °C at 256 LSB/°C); gyro X 1000 (17.5 °/s at 17.5 mdps/LSB), Y −2000, Z 0;
    // accel X 8197 (1.000 g at 0.122 mg/LSB), Y 0, Z −8197. Little-endian.
    let frame: [UInt8] = [0x00, 0x02, 0xE8, 0x03, 0x30, 0xF8, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0xFB, 0xDF]
    let clock = VirtualClock()
    var d = LSM6DSDriver(
      bus: ScriptedI2CBus([
        .readRegisters(a, from: 0x0F, returns: [0x6A]),
        .writeRegister(a, 0x12, 0x05),  // IF_INC | SW_RESET
        .readRegisters(a, from: 0x12, returns: [0x04]),
        .writeRegister(a, 0x12, 0x44),  // BDU | IF_INC
        // 104 Hz is ODR code 4; FS_XL ±4 g = 10b; FS_G 500 °/s = 01b.
        .write(a, [0x10, 0x48, 0x44]),
        .writeRegister(a, 0x0D, 0x03),
        .readRegisters(a, from: 0x10, returns: [0x48, 0x44, 0x44]),
        .readRegisters(a, from: 0x1E, returns: [0x03]),
        .readRegisters(a, from: 0x20, returns: frame),
        .readRegisters(a, from: 0x1E, returns: [0x01]),  // only the accelerometer is new: wait
      ]), clock: clock)
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500))
    XCTAssertEqual(r.chipName, "LSM6DS3TR-C/LSM6DSL/LSM6DSM")
    XCTAssertEqual(r.sampleRateHz, 104)
    XCTAssertEqual(clock.nowNanoseconds, 1_000_000)
    let m = try XCTUnwrap(try d.readSample())
    XCTAssertEqual(m.temperatureC ?? 0, 27, accuracy: 1e-9)
    XCTAssertEqual(m.gyr.x, 17.5 * .pi / 180, accuracy: 1e-9)
    XCTAssertEqual(m.gyr.y, -35 * .pi / 180, accuracy: 1e-9)
    XCTAssertEqual(m.acc.x, 9.806_65, accuracy: 1e-3)
    XCTAssertEqual(m.acc.z, -9.806_65, accuracy: 1e-3)
    XCTAssertEqual(m.acc.y, 0)
    XCTAssertNil(try d.readSample())
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testFIFORequestFallsBackWithAWarning() throws {
    var d = LSM6DSDriver(
      bus: ScriptedI2CBus([
        .readRegisters(a, from: 0x0F, returns: [0x69]),
        .writeRegister(a, 0x12, 0x05),
        .readRegisters(a, from: 0x12, returns: [0x04]),
        .writeRegister(a, 0x12, 0x44),
        // 50 Hz → 52 Hz (code 3); ±2 g = 00b; 125 °/s = FS_125.
        .write(a, [0x10, 0x30, 0x32]),
        .writeRegister(a, 0x0D, 0x03),
        .readRegisters(a, from: 0x10, returns: [0x30, 0x32, 0x44]),
      ]), clock: VirtualClock())
    let r = try d.configure(IMUConfigurationRequest(sampleRateHz: 50, accelRangeG: 2, gyroRangeDPS: 125, mode: .fifo))
    XCTAssertEqual(r.chipName, "LSM6DS3")
    XCTAssertEqual(r.mode, .dataReady)
    XCTAssertEqual(r.gyroRangeDPS, 125)
    XCTAssertTrue(r.warnings.contains { $0.contains("FIFO") }, "\(r.warnings)")
    XCTAssertNoThrow(try d.bus.finish())
  }

  func testConfigurationThatDoesNotStickIsReported() {
    var d = LSM6DSDriver(
      bus: ScriptedI2CBus([
        .readRegisters(a, from: 0x0F, returns: [0x6C]),
        .writeRegister(a, 0x12, 0x05),
        .readRegisters(a, from: 0x12, returns: [0x04]),
        .writeRegister(a, 0x12, 0x44),
        .write(a, [0x10, 0x48, 0x44]),
        .writeRegister(a, 0x0D, 0x03),
        .readRegisters(a, from: 0x10, returns: [0x00, 0x00, 0x04]),
      ]), clock: VirtualClock())
    XCTAssertThrowsError(try d.configure(IMUConfigurationRequest(sampleRateHz: 100, accelRangeG: 4, gyroRangeDPS: 500)))
    {
      e in
      guard case .deviceReset = e as? IMUDriverError else { return XCTFail("\(e)") }
    }
    XCTAssertNoThrow(try d.bus.finish())
  }
}
