import ChipEmulators
import HAL
import XCTest

/// The emulated chips seen directly through the bus, register by register, against the
/// datasheets' behaviour (not through the drivers).
final class MPU6050EmulatorTests: XCTestCase {
  let a: UInt8 = 0x68

  private func make(_ model: MPU6050Emulator.Model = .mpu6050, motion: any MotionSource = ConstantMotion.flat)
    -> (EmulatedI2CBus, MPU6050Emulator, VirtualClock)
  {
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    let chip = MPU6050Emulator(model: model, motion: motion)
    bus.attach(chip, at: a)
    return (bus, chip, clock)
  }

  /// Wakes the chip at 100 Hz (DLPF 1, divider 9) with data-ready enabled.
  private func wake(_ bus: inout EmulatedI2CBus) throws {
    try bus.writeRegister(address: a, 0x6B, 0x01)
    try bus.write(address: a, [0x19, 9, 1, 0, 0])
    try bus.writeRegister(address: a, 0x38, 0x01)
  }

  func testIdentityAndPowerOnSleep() throws {
    var (bus, chip, clock) = make(.icm20602)
    XCTAssertEqual(try bus.readRegister(address: a, 0x75), 0x12)
    XCTAssertEqual(try bus.readRegister(address: a, 0x6B), 0x40)
    try bus.writeRegister(address: a, 0x38, 0x01)
    clock.delay(milliseconds: 100)
    XCTAssertEqual(try bus.readRegister(address: a, 0x3A), 0, "asleep: no data ready")
    XCTAssertEqual(chip.samplesProduced, 0)
  }

  func testSampleRateDataReadyClearedOnReadAndBigEndianOutputs() throws {
    var (bus, _, clock) = make()
    try wake(&bus)
    var ready = 0
    let t0 = clock.nowNanoseconds
    for _ in 0..<500 {
      clock.delay(milliseconds: 2)
      ready += Int(try bus.readRegister(address: a, 0x3A) & 1)
    }
    // Polls include their own bus time, so count against the time that really passed.
    let elapsed = Double(clock.nowNanoseconds - t0) / 1e9
    XCTAssertEqual(Double(ready), 100 * elapsed, accuracy: 1, "100 Hz: 1 kHz / (1 + 9)")
    clock.delay(milliseconds: 15)
    XCTAssertEqual(try bus.readRegister(address: a, 0x3A) & 1, 1)
    XCTAssertEqual(try bus.readRegister(address: a, 0x3A) & 1, 0, "INT_STATUS clears on read")
    let b = try bus.readRegisters(address: a, from: 0x3B, count: 14)
    // Flat at ±2 g: Z = 1 g = 16384 LSB = 0x4000; X = Y = 0; gyro 0.
    XCTAssertEqual(b[0...3], [0, 0, 0, 0])
    XCTAssertEqual(b[4...5], [0x40, 0x00])
    XCTAssertEqual(b[8...13], [0, 0, 0, 0, 0, 0])
    // 25 °C on an MPU-6050: (25 − 36.53) × 340 = −3920 = 0xF0B0.
    XCTAssertEqual(b[6...7], [0xF0, 0xB0])
  }

  func testFIFOFramesPortDoesNotAutoIncrementAndOverflowMisaligns() throws {
    var (bus, chip, clock) = make()
    try wake(&bus)
    try bus.writeRegister(address: a, 0x23, 0xF8)
    try bus.writeRegister(address: a, 0x38, 0x10)
    try bus.writeRegister(address: a, 0x6A, 0x40)
    clock.delay(milliseconds: 55)
    let c = try bus.readRegisters(address: a, from: 0x72, count: 2)
    XCTAssertEqual(Int(c[0]) << 8 | Int(c[1]), 5 * 14)
    let frames = try bus.readRegisters(address: a, from: 0x74, count: 28)
    XCTAssertEqual(Array(frames[0..<14]), Array(frames[14..<28]), "constant pose: identical frames")
    XCTAssertEqual(frames[4...5], [0x40, 0x00])
    XCTAssertEqual(chip.fifo.count, 3 * 14)
    // 2 s at 100 Hz overflows 1024 bytes; the newest byte count is not a whole number of frames.
    clock.delay(milliseconds: 2000)
    XCTAssertEqual(try bus.readRegister(address: a, 0x3A) & 0x10, 0x10)
    let c2 = try bus.readRegisters(address: a, from: 0x72, count: 2)
    XCTAssertEqual(Int(c2[0]) << 8 | Int(c2[1]), 1024)
    XCTAssertNotEqual(1024 % 14, 0)
    // FIFO_RESET empties it and clears itself.
    try bus.writeRegister(address: a, 0x6A, 0x44)
    XCTAssertEqual(chip.fifo.count, 0)
    XCTAssertEqual(try bus.readRegister(address: a, 0x6A), 0x40)
  }

  func testDeviceResetIgnoresWritesUntilDone() throws {
    var (bus, _, clock) = make()
    try bus.writeRegister(address: a, 0x1C, 0x18)
    try bus.writeRegister(address: a, 0x6B, 0x80)
    XCTAssertEqual(try bus.readRegister(address: a, 0x6B) & 0x80, 0x80)
    try bus.writeRegister(address: a, 0x1C, 0x08)  // lost: the chip is resetting
    clock.delay(milliseconds: 60)
    XCTAssertEqual(try bus.readRegister(address: a, 0x6B), 0x40)
    XCTAssertEqual(try bus.readRegister(address: a, 0x1C), 0x00)
  }

  func testTornReadMixesConsecutiveSamples() throws {
    // Accel X rises 1 m/s² per 10 ms, gyro X 0.1 rad/s per 10 ms.
    let ramp = ClosureMotion { t in
      MotionState(specificForce: SIMD3(100 * t, 0, 0), angularRate: SIMD3(10 * t, 0, 0))
    }
    var (bus, _, clock) = make(motion: ramp)
    try bus.write(address: a, [0x19, 9, 1, 0x18, 0x18])  // ±16 g, ±2000 °/s
    try bus.writeRegister(address: a, 0x6B, 0x01)
    clock.delay(milliseconds: 105)
    bus.inject(.tornRead(afterBytes: 6, gapNanoseconds: 10_000_000))
    let b = try bus.readRegisters(address: a, from: 0x3B, count: 14)
    let accX = Double(Int16(bitPattern: UInt16(b[0]) << 8 | UInt16(b[1]))) / 2048 * 9.806_65
    let gyrX = Double(Int16(bitPattern: UInt16(b[8]) << 8 | UInt16(b[9]))) / 16.4 * .pi / 180
    // The accelerometer half is from 0.10 s, the gyro half one sample later (0.11 s).
    XCTAssertEqual(accX, 10, accuracy: 0.05)
    XCTAssertEqual(gyrX, 1.1, accuracy: 0.01)
  }

  func testNoiseMatchesTheDatasheetDensity() throws {
    let clock = VirtualClock()
    var bus = EmulatedI2CBus(clock: clock)
    let chip = MPU6050Emulator(motion: ConstantMotion.flat, noise: .mpu6050, seed: 42)
    bus.attach(chip, at: a)
    try bus.writeRegister(address: a, 0x6B, 0x01)
    try bus.write(address: a, [0x19, 0, 1, 0, 0])  // 1 kHz, DLPF 1 (184 Hz accel, 188 Hz gyro)
    var ax: [Double] = []
    var gx: [Double] = []
    for _ in 0..<4000 {
      clock.delay(milliseconds: 1)
      let b = try bus.readRegisters(address: a, from: 0x3B, count: 14)
      ax.append(Double(Int16(bitPattern: UInt16(b[0]) << 8 | UInt16(b[1]))) / 16384 * 9.806_65)
      gx.append(Double(Int16(bitPattern: UInt16(b[8]) << 8 | UInt16(b[9]))) / 131 * .pi / 180)
    }
    func sd(_ v: [Double]) -> Double {
      let m = v.reduce(0, +) / Double(v.count)
      return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }
    // 400 µg/√Hz × √184 Hz and 0.005 °/s/√Hz × √188 Hz.
    XCTAssertEqual(sd(ax) / (400e-6 * 9.806_65 * 184.0.squareRoot()), 1, accuracy: 0.08)
    XCTAssertEqual(sd(gx) / (0.005 * .pi / 180 * 188.0.squareRoot()), 1, accuracy: 0.08)
  }

  func testVanishReturnsWithPowerOnRegisters() throws {
    var (bus, _, clock) = make()
    try wake(&bus)
    bus.inject(.vanish(nanoseconds: 200_000_000))
    XCTAssertThrowsError(try bus.readRegister(address: a, 0x6B))
    clock.delay(milliseconds: 250)
    XCTAssertEqual(try bus.readRegister(address: a, 0x6B), 0x40)
    XCTAssertEqual(try bus.readRegister(address: a, 0x38), 0x00)
  }
}

final class LSM6DSEmulatorTests: XCTestCase {
  let a: UInt8 = 0x6A

  private func make(_ model: LSM6DSEmulator.Model = .lsm6dsl) -> (EmulatedI2CBus, LSM6DSEmulator, VirtualClock) {
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    let chip = LSM6DSEmulator(model: model)
    bus.attach(chip, at: a)
    return (bus, chip, clock)
  }

  func testIdentityAndLittleEndianOutputsAtTheConfiguredRate() throws {
    var (bus, chip, clock) = make(.lsm6dsox)
    XCTAssertEqual(try bus.readRegister(address: a, 0x0F), 0x6C)
    try bus.write(address: a, [0x10, 0x40, 0x40])  // 104 Hz both, ±2 g, 250 °/s
    clock.delay(milliseconds: 1000)
    _ = try bus.readRegister(address: a, 0x1E)
    XCTAssertEqual(Double(chip.accelSamplesProduced), 1, accuracy: 0, "only the newest sample is kept")
    XCTAssertEqual(try bus.readRegister(address: a, 0x1E) & 0x03, 0x03)
    let b = try bus.readRegisters(address: a, from: 0x20, count: 14)
    // 1 g at 0.061 mg/LSB = 16393 = 0x4009, low byte first.
    XCTAssertEqual(b[12...13], [0x09, 0x40])
    XCTAssertEqual(b[0...1], [0, 0], "25 °C is 0 LSB")
    XCTAssertEqual(try bus.readRegister(address: a, 0x1E) & 0x03, 0, "reading the outputs clears XLDA and GDA")
  }

  func testNoiseMatchesTheDatasheetDensity() throws {
    let clock = VirtualClock()
    var bus = EmulatedI2CBus(clock: clock)
    bus.attach(LSM6DSEmulator(model: .lsm6ds3, motion: ConstantMotion.flat, noise: .lsm6ds3, seed: 7), at: a)
    try bus.write(address: a, [0x10, 0x70, 0x70])  // 833 Hz, ±2 g, 250 °/s
    var az: [Double] = []
    var gz: [Double] = []
    for _ in 0..<3000 {
      clock.delay(microseconds: 1300)
      let b = try bus.readRegisters(address: a, from: 0x22, count: 12)
      gz.append(Double(Int16(bitPattern: UInt16(b[5]) << 8 | UInt16(b[4]))) * 8.75e-3 * .pi / 180)
      az.append(Double(Int16(bitPattern: UInt16(b[11]) << 8 | UInt16(b[10]))) * 0.061e-3 * 9.806_65)
    }
    func sd(_ v: [Double]) -> Double {
      let m = v.reduce(0, +) / Double(v.count)
      return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }
    // 90 µg/√Hz and 7 mdps/√Hz over ODR/2.
    let bw = 833.0 / 2
    XCTAssertEqual(sd(az) / (90e-6 * 9.806_65 * bw.squareRoot()), 1, accuracy: 0.08)
    XCTAssertEqual(sd(gz) / (7e-3 * .pi / 180 * bw.squareRoot()), 1, accuracy: 0.08)
  }

  func testWithoutIFIncABurstRereadsOneRegister() throws {
    var (bus, _, _) = make()
    try bus.writeRegister(address: a, 0x12, 0x00)
    XCTAssertEqual(try bus.readRegisters(address: a, from: 0x0F, count: 3), [0x6A, 0x6A, 0x6A])
    try bus.writeRegister(address: a, 0x12, 0x04)
    XCTAssertEqual(try bus.readRegisters(address: a, from: 0x0F, count: 3), [0x6A, 0x00, 0x00])
  }

  func testSoftwareResetRestoresDefaultsAndClearsItself() throws {
    var (bus, chip, clock) = make()
    chip.resetDurationNanoseconds = 1_000_000
    try bus.write(address: a, [0x10, 0x48, 0x44, 0x44])
    try bus.writeRegister(address: a, 0x12, 0x05)
    XCTAssertEqual(try bus.readRegister(address: a, 0x12) & 0x01, 0x01)
    clock.delay(milliseconds: 1)
    XCTAssertEqual(try bus.readRegisters(address: a, from: 0x10, count: 3), [0x00, 0x00, 0x04])
  }

  func testGyroRangeCodesAndFullScale125() throws {
    let clock = VirtualClock()
    var bus = EmulatedI2CBus(clock: clock)
    let chip = LSM6DSEmulator(motion: ConstantMotion(specificForce: .zero, angularRate: SIMD3(1, 0, 0)))
    bus.attach(chip, at: a)
    for (bits, mdps) in [(UInt8(0x02), 4.375), (0x00, 8.75), (0x04, 17.5), (0x08, 35), (0x0C, 70)] {
      try bus.writeRegister(address: a, 0x11, 0x40 | bits)
      clock.delay(milliseconds: 20)
      let b = try bus.readRegisters(address: a, from: 0x22, count: 2)
      let raw = Double(Int16(bitPattern: UInt16(b[1]) << 8 | UInt16(b[0])))
      let expected = min(32767, (1 * 180 / Double.pi / (mdps / 1000)).rounded())
      XCTAssertEqual(raw, expected, "FS bits \(bits)")
    }
  }
}
