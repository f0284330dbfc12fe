import HAL

/// Register map shared by ST's LSM6DS3, LSM6DS3TR-C/LSM6DSL and LSM6DSO/LSM6DSOX (the parts
/// differ elsewhere, not in these registers).
public enum LSM6DSRegister {
  public static let int1Control: UInt8 = 0x0D  // INT1_CTRL: INT1_DRDY_XL bit 0, INT1_DRDY_G bit 1
  public static let whoAmI: UInt8 = 0x0F
  public static let control1Accel: UInt8 = 0x10  // CTRL1_XL: ODR_XL 7:4, FS_XL 3:2
  public static let control2Gyro: UInt8 = 0x11  // CTRL2_G: ODR_G 7:4, FS_G 3:2, FS_125 bit 1
  public static let control3: UInt8 = 0x12  // CTRL3_C: BDU bit 6, IF_INC bit 2, SW_RESET bit 0
  public static let status: UInt8 = 0x1E  // STATUS_REG: XLDA bit 0, GDA bit 1, TDA bit 2
  public static let temperatureLow: UInt8 = 0x20  // OUT_TEMP_L: then OUTX_L_G 0x22 …, OUTX_L_XL 0x28 …

  public static let softwareReset: UInt8 = 0x01
  public static let autoIncrement: UInt8 = 0x04
  public static let blockDataUpdate: UInt8 = 0x40
  public static let accelDataReady: UInt8 = 0x01
  public static let gyroDataReady: UInt8 = 0x02
}

/// A member of the LSM6DS family the driver knows by its WHO_AM_I value.
public struct LSM6DSChipInfo: Sendable, Equatable {
  public var id: UInt8
  public var name: String
  /// LSB per °C of OUT_TEMP (0 LSB = 25 °C).
  public var temperatureSensitivity: Double

  public init(id: UInt8, name: String, temperatureSensitivity: Double) {
    self.id = id
    self.name = name
    self.temperatureSensitivity = temperatureSensitivity
  }

  /// LSM6DS3 datasheet: 16 LSB/°C; the later parts: 256 LSB/°C.
  public static let known: [LSM6DSChipInfo] = [
    .init(id: 0x69, name: "LSM6DS3", temperatureSensitivity: 16),
    .init(id: 0x6A, name: "LSM6DS3TR-C/LSM6DSL/LSM6DSM", temperatureSensitivity: 256),
    .init(id: 0x6B, name: "LSM6DSR/ISM330DHCX", temperatureSensitivity: 256),
    .init(id: 0x6C, name: "LSM6DSO/LSM6DSOX", temperatureSensitivity: 256),
  ]
}

enum LSM6DSTables {
  /// ODR codes 1…8 (Hz); higher codes exist for the accelerometer only on some parts.
  static let outputRates: [Double] = [12.5, 26, 52, 104, 208, 416, 833, 1666]
  /// FS_XL code for ±2, ±4, ±8, ±16 g (note the order: 00, 10, 11, 01).
  static let accelRanges: [(g: Double, code: UInt8, mgPerLSB: Double)] = [
    (2, 0b00, 0.061), (4, 0b10, 0.122), (8, 0b11, 0.244), (16, 0b01, 0.488),
  ]
  /// FS_G bits (with FS_125 as bit 1 of the code) and sensitivity in mdps/LSB.
  static let gyroRanges: [(dps: Double, bits: UInt8, mdpsPerLSB: Double)] = [
    (125, 0b0010, 4.375), (250, 0b0000, 8.75), (500, 0b0100, 17.5), (1000, 0b1000, 35), (2000, 0b1100, 70),
  ]
}

/// Driver for the LSM6DS family over I2C: software reset, block data update with address
/// auto-increment, ranges and output rate, and one 14-byte burst from OUT_TEMP_L per sample
/// (temperature, gyro XYZ, accel XYZ; little-endian) once STATUS_REG shows both data ready.
///
/// Data-ready mode only: a FIFO request falls back to it with a warning in the report.
public struct LSM6DSDriver<Bus: I2CBus>: IMUDriver, RecoverableIMUDriver {
  public var bus: Bus
  public let address: UInt8
  public let clock: any DelayClock
  public var acceptUnknownChips: Bool
  public private(set) var configuration: IMUConfigurationReport?
  public internal(set) var statistics = IMUDriverStatistics()

  private var chip = LSM6DSChipInfo(id: 0, name: "", temperatureSensitivity: 256)
  var request = IMUConfigurationRequest()
  private var expectedControl: [UInt8] = []  // CTRL1_XL, CTRL2_G, CTRL3_C
  private var accelScale = 0.0
  private var gyroScale = 0.0
  var periodNanoseconds: UInt64 = 10_000_000
  var needsVerification = false
  var lastDataNanoseconds: UInt64 = 0
  var sampleCounter: Int64 = -1
  private var configuredOnce = false

  /// - Parameter address: 0x6A with SA0 low, 0x6B with SA0 high.
  public init(bus: Bus, address: UInt8 = 0x6A, clock: any DelayClock, acceptUnknownChips: Bool = true) {
    self.bus = bus
    self.address = address
    self.clock = clock
    self.acceptUnknownChips = acceptUnknownChips
  }

  public mutating func configure(_ request: IMUConfigurationRequest) throws(IMUDriverError) -> IMUConfigurationReport {
    configuration = nil
    guard request.sampleRateHz > 0, request.sampleRateHz.isFinite, request.accelRangeG > 0,
      request.gyroRangeDPS > 0
    else {
      throw .invalidConfiguration("rate and ranges must be positive: \(request)")
    }
    var warnings: [String] = []
    let id = try io { (b: inout Bus, a) throws(I2CError) in try b.readRegister(address: a, LSM6DSRegister.whoAmI) }
    if id == 0x00 || id == 0xFF {
      throw .wrongChip(address: address, id: id, detail: "WHO_AM_I reads \(Bytes.hex(id)): no LSM6DS chip answers here")
    }
    let isKnown: Bool
    if let known = LSM6DSChipInfo.known.first(where: { $0.id == id }) {
      chip = known
      isKnown = true
    } else {
      guard acceptUnknownChips else {
        throw .wrongChip(address: address, id: id, detail: "not a known LSM6DS-family WHO_AM_I")
      }
      chip = LSM6DSChipInfo(
        id: id, name: "unknown LSM6DS-compatible (WHO_AM_I \(Bytes.hex(id)))", temperatureSensitivity: 256)
      isKnown = false
      warnings.append("unknown WHO_AM_I \(Bytes.hex(id)); driving it as an LSM6DSL")
    }

    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(
        address: a, LSM6DSRegister.control3, LSM6DSRegister.autoIncrement | LSM6DSRegister.softwareReset)
    }
    var resetDone = false
    for _ in 0..<10 {
      clock.delay(milliseconds: 1)
      let c3 = try io { (b: inout Bus, a) throws(I2CError) in try b.readRegister(address: a, LSM6DSRegister.control3) }
      if c3 & LSM6DSRegister.softwareReset == 0 {
        resetDone = true
        break
      }
    }
    guard resetDone else { throw .timeout("SW_RESET did not clear within 10 ms") }

    let ri =
      LSM6DSTables.outputRates.firstIndex { $0 >= request.sampleRateHz * 0.999 }
      ?? LSM6DSTables.outputRates.count - 1
    let rate = LSM6DSTables.outputRates[ri]
    if abs(rate - request.sampleRateHz) > 0.01 * request.sampleRateHz {
      warnings.append("rate \(request.sampleRateHz) Hz not available; using \(rate) Hz")
    }
    let accel = LSM6DSTables.accelRanges.first { $0.g >= request.accelRangeG } ?? LSM6DSTables.accelRanges[3]
    let gyro = LSM6DSTables.gyroRanges.first { $0.dps >= request.gyroRangeDPS } ?? LSM6DSTables.gyroRanges[4]
    if request.accelRangeG > 16 { warnings.append("accelerometer range limited to ±16 g") }
    if request.gyroRangeDPS > 2000 { warnings.append("gyro range limited to ±2000 °/s") }
    if request.lowPassHz != nil {
      warnings.append("low-pass setting ignored: the LSM6DS driver keeps the chip's ODR-dependent default")
    }
    if request.mode == .fifo { warnings.append("FIFO mode not implemented for LSM6DS; using data-ready polling") }

    let odr = UInt8(ri + 1) << 4
    let control3 = LSM6DSRegister.blockDataUpdate | LSM6DSRegister.autoIncrement
    expectedControl = [odr | accel.code << 2, odr | gyro.bits, control3]
    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(address: a, LSM6DSRegister.control3, control3)
    }
    let controls = [LSM6DSRegister.control1Accel] + expectedControl[0...1]
    try io { (b: inout Bus, a) throws(I2CError) in try b.write(address: a, controls) }
    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(
        address: a, LSM6DSRegister.int1Control, LSM6DSRegister.accelDataReady | LSM6DSRegister.gyroDataReady)
    }
    let readBack = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: LSM6DSRegister.control1Accel, count: 3)
    }
    guard readBack == expectedControl else {
      throw .deviceReset(
        "CTRL1_XL…CTRL3_C read back as \(readBack.map(Bytes.hex)) instead of \(expectedControl.map(Bytes.hex))")
    }

    self.request = request
    accelScale = accel.mgPerLSB * 1e-3 * Units.standardGravity
    gyroScale = gyro.mdpsPerLSB * 1e-3 * Units.degreesToRadians
    periodNanoseconds = UInt64(1e9 / rate)
    needsVerification = false
    lastDataNanoseconds = clock.nowNanoseconds
    sampleCounter = -1
    let report = IMUConfigurationReport(
      chipName: chip.name, chipID: id, isKnownChip: isKnown, address: address, accelRangeG: accel.g,
      gyroRangeDPS: gyro.dps, sampleRateHz: rate, lowPassHz: nil, mode: .dataReady, warnings: warnings)
    configuration = report
    configuredOnce = true
    return report
  }

  public mutating func readSample() throws(IMUDriverError) -> IMUMeasurement? {
    guard configuration != nil else {
      guard configuredOnce else { throw .notConfigured }
      try reconfigureAfterLoss("an earlier recovery was interrupted; configured again")
    }
    if needsVerification { try verifyOrReconfigure() }
    let status = try io { (b: inout Bus, a) throws(I2CError) in try b.readRegister(address: a, LSM6DSRegister.status) }
    let now = clock.nowNanoseconds
    let both = LSM6DSRegister.accelDataReady | LSM6DSRegister.gyroDataReady
    guard status & both == both else {
      if now &- lastDataNanoseconds > max(10 &* periodNanoseconds, 100_000_000) { needsVerification = true }
      return nil
    }
    let f = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: LSM6DSRegister.temperatureLow, count: 14)
    }
    if Bytes.allEqual(f[...]) {
      statistics.implausibleSamples += 1
      throw .implausibleData("all 14 bytes read \(Bytes.hex(f[0])) (stuck bus or unpowered chip)")
    }
    let temperature = Double(Bytes.int16LittleEndian(f[...], 0)) / chip.temperatureSensitivity + 25
    guard temperature > -50, temperature < 100 else {
      statistics.implausibleSamples += 1
      throw .implausibleData("die temperature \(temperature) °C is outside −50…100 °C")
    }
    let gyr = SIMD3(
      Double(Bytes.int16LittleEndian(f[...], 2)), Double(Bytes.int16LittleEndian(f[...], 4)),
      Double(Bytes.int16LittleEndian(f[...], 6)))
    let acc = SIMD3(
      Double(Bytes.int16LittleEndian(f[...], 8)), Double(Bytes.int16LittleEndian(f[...], 10)),
      Double(Bytes.int16LittleEndian(f[...], 12)))
    let steps = max(1, Int64((Double(now &- lastDataNanoseconds) / Double(periodNanoseconds)).rounded()))
    sampleCounter += sampleCounter < 0 ? 1 : steps
    lastDataNanoseconds = now
    statistics.samples += 1
    return IMUMeasurement(
      acc: acc * accelScale, gyr: gyr * gyroScale, temperatureC: temperature, sampleIndex: sampleCounter,
      timestampNanoseconds: now)
  }

  private mutating func verifyOrReconfigure() throws(IMUDriverError) {
    let controls = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: LSM6DSRegister.control1Accel, count: 3)
    }
    if controls == expectedControl {
      needsVerification = false
      lastDataNanoseconds = clock.nowNanoseconds
      return
    }
    try reconfigureAfterLoss("CTRL1_XL…CTRL3_C read \(controls.map(Bytes.hex)); configured again")
  }
}
