import HAL

/// An LSM6DS-family chip as its register file: WHO_AM_I, CTRL1_XL/CTRL2_G ranges and output
/// rates (separate for accelerometer and gyro), CTRL3_C software reset and address
/// auto-increment (IF_INC: off, a burst rereads one register), STATUS_REG data-ready flags
/// cleared by reading the matching outputs, and little-endian outputs from a ``MotionSource``.
///
/// Block data update (BDU) is stored but not modelled: the bus already serves each burst from
/// one sample, and torn reads are injected by the bus.
public final class LSM6DSEmulator: RegisterMappedEmulator {
  public struct Model: Sendable, Equatable {
    public var name: String
    public var whoAmI: UInt8
    /// LSB per °C (0 LSB = 25 °C).
    public var temperatureSensitivity: Double

    public init(name: String, whoAmI: UInt8, temperatureSensitivity: Double) {
      self.name = name
      self.whoAmI = whoAmI
      self.temperatureSensitivity = temperatureSensitivity
    }

    public static let lsm6ds3 = Model(name: "LSM6DS3", whoAmI: 0x69, temperatureSensitivity: 16)
    public static let lsm6dsl = Model(name: "LSM6DSL", whoAmI: 0x6A, temperatureSensitivity: 256)
    public static let lsm6dsox = Model(name: "LSM6DSOX", whoAmI: 0x6C, temperatureSensitivity: 256)
  }

  enum Reg {
    static let whoAmI: UInt8 = 0x0F, ctrl1: UInt8 = 0x10, ctrl2: UInt8 = 0x11, ctrl3: UInt8 = 0x12
    static let status: UInt8 = 0x1E, temp: UInt8 = 0x20, gyro: UInt8 = 0x22, accel: UInt8 = 0x28
  }

  /// Output data rates of ODR codes 1…10, Hz.
  static let rates: [Double] = [12.5, 26, 52, 104, 208, 416, 833, 1666, 3332, 6664]

  public let model: Model
  public var motion: any MotionSource
  public var noise: IMUNoiseModel
  public var temperatureC: Double = 25
  /// How long SW_RESET keeps its bit set.
  public var resetDurationNanoseconds: UInt64 = 50_000
  public var registers: RegisterFile
  public private(set) var accelSamplesProduced = 0
  public private(set) var gyroSamplesProduced = 0

  private var rng: SplitMix64
  private let seed: UInt64
  private var nextAccel: UInt64 = 0
  private var nextGyro: UInt64 = 0
  private var resetBusyUntil: UInt64 = 0
  private var now: UInt64 = 0

  public init(
    model: Model = .lsm6dsl, motion: any MotionSource = ConstantMotion.flat, noise: IMUNoiseModel = .none,
    seed: UInt64 = 1
  ) {
    self.model = model
    self.motion = motion
    self.noise = noise
    self.seed = seed
    rng = SplitMix64(seed: seed)
    registers = RegisterFile(
      powerOn: [Reg.whoAmI: model.whoAmI, Reg.ctrl3: 0x04],
      readOnly: Set([Reg.whoAmI, Reg.status]).union(0x20...0x2D))
  }

  /// Accelerometer output rate, Hz (0: powered down).
  public var accelRateHz: Double { Self.rate(code: registers[Reg.ctrl1] >> 4, max: 10) }
  /// Gyro output rate, Hz (0: powered down).
  public var gyroRateHz: Double { Self.rate(code: registers[Reg.ctrl2] >> 4, max: 8) }

  static func rate(code: UInt8, max: Int) -> Double {
    guard code > 0 else { return 0 }
    return rates[min(Int(code), max) - 1]
  }

  /// ±g and counts per g of the FS_XL setting.
  public var accelRangeG: Double { [2.0, 16, 4, 8][Int(registers[Reg.ctrl1] >> 2 & 3)] }
  var accelCountsPerG: Double { 1000 / [0.061, 0.488, 0.122, 0.244][Int(registers[Reg.ctrl1] >> 2 & 3)] }
  /// ±°/s of the FS_G / FS_125 setting.
  public var gyroRangeDPS: Double {
    registers[Reg.ctrl2] & 0x02 != 0 ? 125 : [250.0, 500, 1000, 2000][Int(registers[Reg.ctrl2] >> 2 & 3)]
  }
  var gyroCountsPerDPS: Double {
    registers[Reg.ctrl2] & 0x02 != 0 ? 1000 / 4.375 : 1000 / [8.75, 17.5, 35, 70][Int(registers[Reg.ctrl2] >> 2 & 3)]
  }

  public func powerOnReset(nowNanoseconds: UInt64) {
    registers.reset()
    rng = SplitMix64(seed: seed)
    accelSamplesProduced = 0
    gyroSamplesProduced = 0
    resetBusyUntil = 0
    now = nowNanoseconds
    nextAccel = nowNanoseconds
    nextGyro = nowNanoseconds
  }

  public func advance(toNanoseconds t: UInt64) {
    now = max(now, t)
    if registers[Reg.ctrl3] & 0x01 != 0 && now >= resetBusyUntil { registers[Reg.ctrl3] &= ~0x01 }
    let ra = accelRateHz
    if ra > 0 {
      if let t = Self.lastDue(next: &nextAccel, now: now, rate: ra) { produceAccel(at: t) }
    } else {
      nextAccel = now
    }
    let rg = gyroRateHz
    if rg > 0 {
      if let t = Self.lastDue(next: &nextGyro, now: now, rate: rg) { produceGyro(at: t) }
    } else {
      nextGyro = now
    }
  }

  /// The time of the newest sample due by `now` (older ones are overwritten unseen), moving the
  /// schedule past it; nil when none is due.
  static func lastDue(next: inout UInt64, now: UInt64, rate: Double) -> UInt64? {
    let period = UInt64(1e9 / rate)
    guard next <= now else { return nil }
    let k = (now - next) / period
    let t = next + k * period
    next = t + period
    return t
  }

  public func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8 {
    switch register {
    case 0x20...0x21: registers.setBit(Reg.status, 2, false)
    case 0x22...0x27: registers.setBit(Reg.status, 1, false)
    case 0x28...0x2D: registers.setBit(Reg.status, 0, false)
    default: break
    }
    return registers[register]
  }

  public func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64) {
    switch register {
    case Reg.ctrl3 where value & 0x01 != 0:
      registers.reset()
      registers[Reg.ctrl3] = 0x05
      resetBusyUntil = nowNanoseconds + resetDurationNanoseconds
    case Reg.ctrl1:
      let was = accelRateHz
      registers.hostWrite(register, value)
      if accelRateHz != was { nextAccel = nowNanoseconds + UInt64(1e9 / max(accelRateHz, 1)) }
    case Reg.ctrl2:
      let was = gyroRateHz
      registers.hostWrite(register, value)
      if gyroRateHz != was { nextGyro = nowNanoseconds + UInt64(1e9 / max(gyroRateHz, 1)) }
    default:
      registers.hostWrite(register, value)
    }
  }

  /// IF_INC (CTRL3_C bit 2) decides whether a burst moves on.
  public func pointerAdvances(after register: UInt8) -> Bool { registers[Reg.ctrl3] & 0x04 != 0 }

  private func produceAccel(at t: UInt64) {
    let m = motion.motion(atSeconds: Double(t) / 1e9)
    let s = noise.accelNoiseDensity * (accelRateHz / 2).squareRoot()
    var a = m.specificForce + noise.accelBias
    if s > 0 { a += SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * s }
    let perUnit = accelCountsPerG / standardGravity
    registers.setInt16LittleEndian(SensorCode.int16(a.x, countsPerUnit: perUnit), at: Reg.accel)
    registers.setInt16LittleEndian(SensorCode.int16(a.y, countsPerUnit: perUnit), at: Reg.accel + 2)
    registers.setInt16LittleEndian(SensorCode.int16(a.z, countsPerUnit: perUnit), at: Reg.accel + 4)
    registers.setInt16LittleEndian(
      SensorCode.int16(temperatureC - 25, countsPerUnit: model.temperatureSensitivity), at: Reg.temp)
    registers.setBit(Reg.status, 0, true)
    registers.setBit(Reg.status, 2, true)
    accelSamplesProduced += 1
  }

  private func produceGyro(at t: UInt64) {
    let m = motion.motion(atSeconds: Double(t) / 1e9)
    let s = noise.gyroNoiseDensity * (gyroRateHz / 2).squareRoot()
    var g = m.angularRate + noise.gyroBias
    if s > 0 { g += SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * s }
    let perUnit = gyroCountsPerDPS / degreesToRadians
    registers.setInt16LittleEndian(SensorCode.int16(g.x, countsPerUnit: perUnit), at: Reg.gyro)
    registers.setInt16LittleEndian(SensorCode.int16(g.y, countsPerUnit: perUnit), at: Reg.gyro + 2)
    registers.setInt16LittleEndian(SensorCode.int16(g.z, countsPerUnit: perUnit), at: Reg.gyro + 4)
    registers.setBit(Reg.status, 1, true)
    gyroSamplesProduced += 1
  }
}
