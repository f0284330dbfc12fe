import HAL

/// Register map of the InvenSense MPU-6050 family (MPU-6050/6500/9250, ICM-2060x, MPU-6886),
/// from the MPU-6050 register map rev 4.2 and the later parts' maps where they agree.
public enum MPU6050Register {
  public static let sampleRateDivider: UInt8 = 0x19  // SMPLRT_DIV
  public static let config: UInt8 = 0x1A  // CONFIG: DLPF_CFG in bits 2:0
  public static let gyroConfig: UInt8 = 0x1B  // FS_SEL in bits 4:3
  public static let accelConfig: UInt8 = 0x1C  // AFS_SEL in bits 4:3
  public static let accelConfig2: UInt8 = 0x1D  // MPU-6500 and later: A_DLPF_CFG in bits 2:0
  public static let fifoEnable: UInt8 = 0x23  // FIFO_EN
  public static let interruptEnable: UInt8 = 0x38  // INT_ENABLE
  public static let interruptStatus: UInt8 = 0x3A  // INT_STATUS, cleared on read
  public static let accelXHigh: UInt8 = 0x3B  // ACCEL_XOUT_H: 14 bytes to GYRO_ZOUT_L
  public static let userControl: UInt8 = 0x6A  // USER_CTRL
  public static let powerManagement1: UInt8 = 0x6B  // PWR_MGMT_1
  public static let fifoCountHigh: UInt8 = 0x72  // FIFO_COUNTH, FIFO_COUNTL
  public static let fifoData: UInt8 = 0x74  // FIFO_R_W
  public static let whoAmI: UInt8 = 0x75

  public static let resetBit: UInt8 = 0x80  // PWR_MGMT_1 DEVICE_RESET
  public static let sleepBit: UInt8 = 0x40  // PWR_MGMT_1 SLEEP
  public static let clockPLLGyroX: UInt8 = 0x01  // PWR_MGMT_1 CLKSEL = 1
  public static let dataReadyBit: UInt8 = 0x01  // INT_ENABLE/INT_STATUS DATA_RDY
  public static let fifoOverflowBit: UInt8 = 0x10  // INT_ENABLE/INT_STATUS FIFO_OFLOW
  public static let userFIFOEnable: UInt8 = 0x40  // USER_CTRL FIFO_EN
  public static let userFIFOReset: UInt8 = 0x04  // USER_CTRL FIFO_RESET
  /// FIFO_EN: temperature, gyro X/Y/Z and accel, giving 14-byte frames in the burst order.
  public static let fifoAllSensors: UInt8 = 0xF8
}

/// A member of the MPU-6050 family the driver knows by its WHO_AM_I value.
public struct MPU6050ChipInfo: Sendable, Equatable {
  public var id: UInt8
  public var name: String
  /// Temperature = raw / sensitivity + offset.
  public var temperatureSensitivity: Double
  public var temperatureOffsetC: Double
  public var fifoCapacity: Int
  /// Has ACCEL_CONFIG2 (0x1D) with its own accelerometer low-pass filter (MPU-6500 and later).
  public var hasAccelConfig2: Bool

  public init(
    id: UInt8, name: String, temperatureSensitivity: Double, temperatureOffsetC: Double, fifoCapacity: Int,
    hasAccelConfig2: Bool
  ) {
    self.id = id
    self.name = name
    self.temperatureSensitivity = temperatureSensitivity
    self.temperatureOffsetC = temperatureOffsetC
    self.fifoCapacity = fifoCapacity
    self.hasAccelConfig2 = hasAccelConfig2
  }

  /// WHO_AM_I values seen on genuine parts and common clones. Temperature scaling from each
  /// part's datasheet (MPU-6050: 340 LSB/°C + 36.53; MPU-6500/9250: 333.87 + 21;
  /// ICM-2060x/20689/MPU-6886: 326.8 + 25).
  public static let known: [MPU6050ChipInfo] = [
    .init(
      id: 0x68, name: "MPU-6050", temperatureSensitivity: 340, temperatureOffsetC: 36.53, fifoCapacity: 1024,
      hasAccelConfig2: false),
    .init(
      id: 0x70, name: "MPU-6500", temperatureSensitivity: 333.87, temperatureOffsetC: 21, fifoCapacity: 512,
      hasAccelConfig2: true),
    .init(
      id: 0x71, name: "MPU-9250", temperatureSensitivity: 333.87, temperatureOffsetC: 21, fifoCapacity: 512,
      hasAccelConfig2: true),
    .init(
      id: 0x72, name: "MPU-6500 clone (0x72)", temperatureSensitivity: 333.87, temperatureOffsetC: 21,
      fifoCapacity: 512, hasAccelConfig2: true),
    .init(
      id: 0x73, name: "MPU-9255", temperatureSensitivity: 333.87, temperatureOffsetC: 21, fifoCapacity: 512,
      hasAccelConfig2: true),
    .init(
      id: 0x98, name: "ICM-20689 or clone (0x98)", temperatureSensitivity: 326.8, temperatureOffsetC: 25,
      fifoCapacity: 512, hasAccelConfig2: true),
    .init(
      id: 0x11, name: "ICM-20600", temperatureSensitivity: 326.8, temperatureOffsetC: 25, fifoCapacity: 1008,
      hasAccelConfig2: true),
    .init(
      id: 0x12, name: "ICM-20602", temperatureSensitivity: 326.8, temperatureOffsetC: 25, fifoCapacity: 1008,
      hasAccelConfig2: true),
    .init(
      id: 0x19, name: "MPU-6886", temperatureSensitivity: 326.8, temperatureOffsetC: 25, fifoCapacity: 1008,
      hasAccelConfig2: true),
    .init(
      id: 0xAF, name: "ICM-20608-G", temperatureSensitivity: 326.8, temperatureOffsetC: 25, fifoCapacity: 512,
      hasAccelConfig2: true),
  ]

  /// What the driver assumes for an id it does not know: the original MPU-6050's behaviour.
  static func unknown(_ id: UInt8) -> MPU6050ChipInfo {
    .init(
      id: id, name: "unknown MPU-6050-compatible (WHO_AM_I \(Bytes.hex(id)))", temperatureSensitivity: 340,
      temperatureOffsetC: 36.53, fifoCapacity: 1024, hasAccelConfig2: false)
  }
}

enum MPU6050Tables {
  /// DLPF_CFG 1…6 gyro bandwidths in Hz (accel: 184, 94, 44, 21, 10, 5); 0 and 7 switch the
  /// gyro to 8 kHz and are not used.
  static let dlpfBandwidths: [(cfg: UInt8, hz: Double)] = [(1, 188), (2, 98), (3, 42), (4, 20), (5, 10), (6, 5)]
}

/// Counters a long-running reader can show or log.
public struct IMUDriverStatistics: Sendable, Equatable {
  public var samples = 0
  public var busErrors = 0
  public var fifoOverflows = 0
  public var implausibleSamples = 0
  public var reconfigurations = 0
  public init() {}
}

/// Driver for the MPU-6050 family over I2C.
///
/// Every wait goes through the injected `DelayClock`. Bus errors come back as
/// ``IMUDriverError/bus(_:)``; after one, the next read first checks the chip still holds its
/// configuration and sets it up again if it lost it (reported once as
/// ``IMUDriverError/deviceReset(_:)``).
public struct MPU6050Driver<Bus: I2CBus>: IMUDriver, RecoverableIMUDriver {
  public var bus: Bus
  public let address: UInt8
  public let clock: any DelayClock
  /// Accept WHO_AM_I values not in ``MPU6050ChipInfo/known`` (with a warning in the report).
  public var acceptUnknownChips: Bool
  public private(set) var configuration: IMUConfigurationReport?
  public internal(set) var statistics = IMUDriverStatistics()

  /// Frames decoded from one FIFO burst, handed out one per `readSample`.
  private var pending: [IMUMeasurement] = []
  private var pendingHead = 0
  private var chip = MPU6050ChipInfo.unknown(0)
  var request = IMUConfigurationRequest()
  private var expectedConfig: [UInt8] = []  // SMPLRT_DIV, CONFIG, GYRO_CONFIG, ACCEL_CONFIG
  private var accelScale = 0.0  // m/s² per count
  private var gyroScale = 0.0  // rad/s per count
  var periodNanoseconds: UInt64 = 10_000_000
  var needsVerification = false
  var lastDataNanoseconds: UInt64 = 0
  var sampleCounter: Int64 = -1
  /// A configure succeeded once: a later lost configuration is recovered, not "not configured".
  private var configuredOnce = false

  /// Bytes read from FIFO_R_W in one transaction at most (whole frames; at least one). Lower it
  /// to 28 on an SMBus-only adapter, whose block reads stop at 32 bytes.
  public var maxFIFOBurstBytes = 224

  public init(bus: Bus, address: UInt8 = 0x68, clock: any DelayClock, acceptUnknownChips: Bool = true) {
    self.bus = bus
    self.address = address
    self.clock = clock
    self.acceptUnknownChips = acceptUnknownChips
  }

  // MARK: Configuration

  public mutating func configure(_ request: IMUConfigurationRequest) throws(IMUDriverError) -> IMUConfigurationReport {
    configuration = nil
    pending.removeAll(keepingCapacity: true)
    pendingHead = 0
    guard request.sampleRateHz > 0, request.sampleRateHz.isFinite, request.accelRangeG > 0,
      request.gyroRangeDPS > 0
    else {
      throw .invalidConfiguration("rate and ranges must be positive: \(request)")
    }
    var warnings: [String] = []

    let id = try io { (b: inout Bus, a) throws(I2CError) in try b.readRegister(address: a, MPU6050Register.whoAmI) }
    if id == 0x00 || id == 0xFF {
      throw .wrongChip(
        address: address, id: id, detail: "WHO_AM_I reads \(Bytes.hex(id)): no MPU-6050-family chip answers here")
    }
    let isKnown: Bool
    if let known = MPU6050ChipInfo.known.first(where: { $0.id == id }) {
      chip = known
      isKnown = true
    } else {
      guard acceptUnknownChips else {
        throw .wrongChip(address: address, id: id, detail: "not a known MPU-6050-family WHO_AM_I")
      }
      chip = .unknown(id)
      isKnown = false
      warnings.append("unknown WHO_AM_I \(Bytes.hex(id)); driving it as an MPU-6050")
    }

    // Reset, wait for the reset bit to clear, then wake on the gyro PLL clock.
    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(address: a, MPU6050Register.powerManagement1, MPU6050Register.resetBit)
    }
    clock.delay(milliseconds: 100)
    var resetDone = false
    for _ in 0..<10 {
      let p = try io { (b: inout Bus, a) throws(I2CError) in
        try b.readRegister(address: a, MPU6050Register.powerManagement1)
      }
      if p & MPU6050Register.resetBit == 0 {
        resetDone = true
        break
      }
      clock.delay(milliseconds: 10)
    }
    guard resetDone else { throw .timeout("DEVICE_RESET did not clear within 200 ms") }
    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(address: a, MPU6050Register.powerManagement1, MPU6050Register.clockPLLGyroX)
    }
    clock.delay(milliseconds: 10)

    // Ranges: the smallest at least as large as asked.
    let accelRanges: [Double] = [2, 4, 8, 16]
    let gyroRanges: [Double] = [250, 500, 1000, 2000]
    let ai = accelRanges.firstIndex { $0 >= request.accelRangeG } ?? 3
    let gi = gyroRanges.firstIndex { $0 >= request.gyroRangeDPS } ?? 3
    if request.accelRangeG > 16 { warnings.append("accelerometer range limited to ±16 g") }
    if request.gyroRangeDPS > 2000 { warnings.append("gyro range limited to ±2000 °/s") }

    // Rate: 1 kHz internal rate (DLPF on) divided by 1 + SMPLRT_DIV.
    let divider = UInt8(max(0, min(255, (1000 / request.sampleRateHz).rounded() - 1)))
    let rate = 1000 / (1 + Double(divider))
    if abs(rate - request.sampleRateHz) > 0.01 * request.sampleRateHz {
      warnings.append("rate \(request.sampleRateHz) Hz not available; using \(rate) Hz")
    }
    // Filter: the widest bandwidth not above the request (or half the rate).
    let wanted = request.lowPassHz ?? rate / 2
    let dlpf =
      MPU6050Tables.dlpfBandwidths.first { $0.hz <= wanted }
      ?? MPU6050Tables.dlpfBandwidths[MPU6050Tables.dlpfBandwidths.count - 1]

    expectedConfig = [divider, dlpf.cfg, UInt8(gi) << 3, UInt8(ai) << 3]
    var burst = [MPU6050Register.sampleRateDivider] + expectedConfig
    if chip.hasAccelConfig2 { burst.append(dlpf.cfg) }
    let configBurst = burst
    try io { (b: inout Bus, a) throws(I2CError) in try b.write(address: a, configBurst) }

    switch request.mode {
    case .dataReady:
      try io { (b: inout Bus, a) throws(I2CError) in
        try b.writeRegister(address: a, MPU6050Register.interruptEnable, MPU6050Register.dataReadyBit)
      }
    case .fifo:
      try io { (b: inout Bus, a) throws(I2CError) in
        try b.writeRegister(address: a, MPU6050Register.userControl, MPU6050Register.userFIFOReset)
        try b.writeRegister(address: a, MPU6050Register.fifoEnable, MPU6050Register.fifoAllSensors)
        try b.writeRegister(address: a, MPU6050Register.interruptEnable, MPU6050Register.fifoOverflowBit)
        try b.writeRegister(address: a, MPU6050Register.userControl, MPU6050Register.userFIFOEnable)
      }
    }
    // Clear stale status, and check the configuration stuck.
    _ = try io { (b: inout Bus, a) throws(I2CError) in try b.readRegister(address: a, MPU6050Register.interruptStatus) }
    let readBack = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: MPU6050Register.sampleRateDivider, count: 4)
    }
    guard readBack == expectedConfig else {
      throw .deviceReset(
        "configuration read back as \(readBack.map(Bytes.hex)) instead of \(expectedConfig.map(Bytes.hex))")
    }
    if request.mode == .fifo && rate > 500 {
      warnings.append(
        "FIFO mode at \(rate) Hz fills \(chip.fifoCapacity) bytes in \(Double(chip.fifoCapacity / 14) / rate) s")
    }

    self.request = request
    accelScale = accelRanges[ai] * Units.standardGravity / 32768
    gyroScale = gyroRanges[gi] * Units.degreesToRadians / 32768
    periodNanoseconds = UInt64(1e9 / rate)
    needsVerification = false
    lastDataNanoseconds = clock.nowNanoseconds
    sampleCounter = -1
    let report = IMUConfigurationReport(
      chipName: chip.name, chipID: id, isKnownChip: isKnown, address: address,
      accelRangeG: accelRanges[ai], gyroRangeDPS: gyroRanges[gi], sampleRateHz: rate, lowPassHz: dlpf.hz,
      mode: request.mode,
      warnings: warnings)
    configuration = report
    configuredOnce = true
    return report
  }

  // MARK: Reading

  public mutating func readSample() throws(IMUDriverError) -> IMUMeasurement? {
    guard let config = configuration else {
      guard configuredOnce else { throw .notConfigured }
      try reconfigureAfterLoss("an earlier recovery was interrupted; configured again")
    }
    if pendingHead < pending.count {
      defer { pendingHead += 1 }
      statistics.samples += 1
      return pending[pendingHead]
    }
    if needsVerification { try verifyOrReconfigure() }
    switch config.mode {
    case .dataReady: return try readDataReady()
    case .fifo: return try readFIFO()
    }
  }

  private mutating func readDataReady() throws(IMUDriverError) -> IMUMeasurement? {
    let status = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegister(address: a, MPU6050Register.interruptStatus)
    }
    let now = clock.nowNanoseconds
    guard status & MPU6050Register.dataReadyBit != 0 else {
      noteIfStale(now: now)
      return nil
    }
    let bytes = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: MPU6050Register.accelXHigh, count: 14)
    }
    let steps = max(1, Int64((Double(now &- lastDataNanoseconds) / Double(periodNanoseconds)).rounded()))
    let m = try decode(bytes[...], index: sampleCounter + (sampleCounter < 0 ? 1 : steps), time: now)
    sampleCounter = m.sampleIndex ?? sampleCounter
    lastDataNanoseconds = now
    statistics.samples += 1
    return m
  }

  private mutating func readFIFO() throws(IMUDriverError) -> IMUMeasurement? {
    let status = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegister(address: a, MPU6050Register.interruptStatus)
    }
    let countBytes = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: MPU6050Register.fifoCountHigh, count: 2)
    }
    let count = Int(countBytes[0]) << 8 | Int(countBytes[1])
    let now = clock.nowNanoseconds
    if status & MPU6050Register.fifoOverflowBit != 0 || count >= chip.fifoCapacity {
      try restartFIFO()
      statistics.fifoOverflows += 1
      // Samples kept coming while the FIFO was full; resume counting from the time elapsed.
      let lost = Int64((Double(now &- lastDataNanoseconds) / Double(periodNanoseconds)).rounded())
      sampleCounter += max(lost, Int64(count / 14))
      lastDataNanoseconds = clock.nowNanoseconds
      throw .fifoOverflow(lostBytes: count)
    }
    guard count > 0 else {
      noteIfStale(now: now)
      return nil
    }
    guard count % 14 == 0 else {
      try restartFIFO()
      statistics.implausibleSamples += 1
      throw .implausibleData("FIFO holds \(count) bytes, not whole 14-byte frames; FIFO restarted")
    }
    let queued = count / 14
    let frames = min(queued, max(1, maxFIFOBurstBytes / 14))
    let bytes = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: MPU6050Register.fifoData, count: frames * 14)
    }
    pending.removeAll(keepingCapacity: true)
    pendingHead = 0
    var firstError: IMUDriverError? = nil
    for i in 0..<frames {
      let age = UInt64(queued - 1 - i) &* periodNanoseconds
      do {
        let m = try decode(bytes[(i * 14)..<(i * 14 + 14)], index: sampleCounter + 1, time: now &- min(age, now))
        sampleCounter += 1
        pending.append(m)
      } catch {
        sampleCounter += 1
        if firstError == nil { firstError = error }
      }
    }
    lastDataNanoseconds = now
    if let firstError {
      // One bad frame means the FIFO's framing can no longer be trusted.
      try restartFIFO()
      pending.removeAll(keepingCapacity: true)
      throw firstError
    }
    pendingHead = 1
    statistics.samples += 1
    return pending[0]
  }

  private mutating func restartFIFO() throws(IMUDriverError) {
    try io { (b: inout Bus, a) throws(I2CError) in
      try b.writeRegister(
        address: a, MPU6050Register.userControl, MPU6050Register.userFIFOEnable | MPU6050Register.userFIFOReset)
    }
  }

  /// Decodes one 14-byte frame (accel XYZ, temperature, gyro XYZ; big-endian).
  private mutating func decode(_ b: ArraySlice<UInt8>, index: Int64, time: UInt64) throws(IMUDriverError)
    -> IMUMeasurement
  {
    let f = b.startIndex  // offsets below are from the frame's start
    if Bytes.allEqual(b) {
      statistics.implausibleSamples += 1
      throw .implausibleData("all 14 bytes read \(Bytes.hex(b[f])) (stuck bus or unpowered chip)")
    }
    let temperature = Double(Bytes.int16BigEndian(b, f + 6)) / chip.temperatureSensitivity + chip.temperatureOffsetC
    guard temperature > -50, temperature < 100 else {
      statistics.implausibleSamples += 1
      throw .implausibleData("die temperature \(temperature) °C is outside −50…100 °C")
    }
    let acc = SIMD3(
      Double(Bytes.int16BigEndian(b, f + 0)), Double(Bytes.int16BigEndian(b, f + 2)),
      Double(Bytes.int16BigEndian(b, f + 4)))
    let gyr = SIMD3(
      Double(Bytes.int16BigEndian(b, f + 8)), Double(Bytes.int16BigEndian(b, f + 10)),
      Double(Bytes.int16BigEndian(b, f + 12)))
    return IMUMeasurement(
      acc: acc * accelScale, gyr: gyr * gyroScale, temperatureC: temperature, sampleIndex: index,
      timestampNanoseconds: time)
  }

  /// No data for ten periods (at least 100 ms): the chip may have reset silently.
  private mutating func noteIfStale(now: UInt64) {
    if now &- lastDataNanoseconds > max(10 &* periodNanoseconds, 100_000_000) { needsVerification = true }
  }

  /// Reads the configuration back; if the chip lost it, configures it again and reports that.
  private mutating func verifyOrReconfigure() throws(IMUDriverError) {
    let power = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegister(address: a, MPU6050Register.powerManagement1)
    }
    let config = try io { (b: inout Bus, a) throws(I2CError) in
      try b.readRegisters(address: a, from: MPU6050Register.sampleRateDivider, count: 4)
    }
    if power == MPU6050Register.clockPLLGyroX && config == expectedConfig {
      needsVerification = false
      lastDataNanoseconds = clock.nowNanoseconds
      return
    }
    try reconfigureAfterLoss(
      "PWR_MGMT_1 read \(Bytes.hex(power)) and SMPLRT_DIV…ACCEL_CONFIG \(config.map(Bytes.hex)); configured again")
  }
}
