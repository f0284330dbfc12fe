import HAL

/// An MPU-6050-family chip as its register file: WHO_AM_I, reset, sleep and clock select,
/// ranges, DLPF and sample-rate divider, data-ready and FIFO-overflow status (cleared on read),
/// a byte FIFO that loses its oldest bytes when full (so frames misalign, as on the chip), and
/// output registers fed from a ``MotionSource`` encoded with the configured ranges.
public final class MPU6050Emulator: RegisterMappedEmulator {
  /// Which part to imitate.
  public struct Model: Sendable, Equatable {
    public var name: String
    public var whoAmI: UInt8
    public var temperatureSensitivity: Double
    public var temperatureOffsetC: Double
    public var fifoCapacity: Int

    public init(
      name: String, whoAmI: UInt8, temperatureSensitivity: Double, temperatureOffsetC: Double, fifoCapacity: Int
    ) {
      self.name = name
      self.whoAmI = whoAmI
      self.temperatureSensitivity = temperatureSensitivity
      self.temperatureOffsetC = temperatureOffsetC
      self.fifoCapacity = fifoCapacity
    }

    public static let mpu6050 = Model(
      name: "MPU-6050", whoAmI: 0x68, temperatureSensitivity: 340, temperatureOffsetC: 36.53, fifoCapacity: 1024)
    public static let mpu6500 = Model(
      name: "MPU-6500", whoAmI: 0x70, temperatureSensitivity: 333.87, temperatureOffsetC: 21, fifoCapacity: 512)
    public static let icm20602 = Model(
      name: "ICM-20602", whoAmI: 0x12, temperatureSensitivity: 326.8, temperatureOffsetC: 25, fifoCapacity: 1008)
    /// A clone answering an id no datasheet lists, otherwise an MPU-6050.
    public static func clone(whoAmI: UInt8) -> Model {
      Model(name: "clone", whoAmI: whoAmI, temperatureSensitivity: 340, temperatureOffsetC: 36.53, fifoCapacity: 1024)
    }
  }

  enum Reg {
    static let smplrtDiv: UInt8 = 0x19, config: UInt8 = 0x1A, gyroConfig: UInt8 = 0x1B, accelConfig: UInt8 = 0x1C
    static let fifoEn: UInt8 = 0x23, intEnable: UInt8 = 0x38, intStatus: UInt8 = 0x3A, dataStart: UInt8 = 0x3B
    static let userCtrl: UInt8 = 0x6A, pwrMgmt1: UInt8 = 0x6B, fifoCountH: UInt8 = 0x72, fifoCountL: UInt8 = 0x73
    static let fifoRW: UInt8 = 0x74, whoAmI: UInt8 = 0x75
  }

  public let model: Model
  public var motion: any MotionSource
  public var noise: IMUNoiseModel
  /// The die temperature the chip reports.
  public var temperatureC: Double = 25
  /// How long DEVICE_RESET keeps the chip busy (writes ignored, the reset bit reads 1).
  public var resetDurationNanoseconds: UInt64 = 50_000_000
  public var registers: RegisterFile
  /// Samples produced since power-on (each one a new output-register value).
  public private(set) var samplesProduced = 0
  /// FIFO contents (oldest first).
  public var fifo: [UInt8] { fifoQueue.contents }
  private var fifoQueue: ByteFIFO

  private var rng: SplitMix64
  private let seed: UInt64
  private var nextSampleNanoseconds: UInt64 = 0
  private var resetBusyUntil: UInt64 = 0
  private var latchedCount: UInt16 = 0
  private var now: UInt64 = 0

  public init(
    model: Model = .mpu6050, motion: any MotionSource = ConstantMotion.flat, noise: IMUNoiseModel = .none,
    seed: UInt64 = 1
  ) {
    self.model = model
    self.motion = motion
    self.noise = noise
    self.seed = seed
    self.rng = SplitMix64(seed: seed)
    fifoQueue = ByteFIFO(capacity: model.fifoCapacity)
    registers = RegisterFile(
      powerOn: [Reg.pwrMgmt1: 0x40, Reg.whoAmI: model.whoAmI],
      readOnly: Set([Reg.whoAmI, Reg.intStatus, Reg.fifoCountH, Reg.fifoCountL]).union(0x3B...0x48))
  }

  // MARK: Derived settings

  var isSampling: Bool {
    now >= resetBusyUntil && registers[Reg.pwrMgmt1] & 0x40 == 0 && registers[Reg.pwrMgmt1] & 0x80 == 0
  }

  /// The rate output registers update at: 8 kHz with DLPF off, 1 kHz with it on, / (1 + divider).
  public var sampleRateHz: Double {
    let dlpf = registers[Reg.config] & 0x07
    let base: Double = (dlpf == 0 || dlpf == 7) ? 8000 : 1000
    return base / (1 + Double(registers[Reg.smplrtDiv]))
  }

  var periodNanoseconds: UInt64 { UInt64(1e9 / sampleRateHz) }

  /// ±g of the configured accelerometer range.
  public var accelRangeG: Double { [2.0, 4, 8, 16][Int(registers[Reg.accelConfig] >> 3 & 3)] }
  /// ±°/s of the configured gyro range.
  public var gyroRangeDPS: Double { [250.0, 500, 1000, 2000][Int(registers[Reg.gyroConfig] >> 3 & 3)] }

  /// Noise bandwidth of the DLPF setting (accelerometer, gyro), Hz.
  var bandwidths: (Double, Double) {
    switch registers[Reg.config] & 7 {
    case 1: return (184, 188)
    case 2: return (94, 98)
    case 3: return (44, 42)
    case 4: return (21, 20)
    case 5: return (10, 10)
    case 6: return (5, 5)
    default: return (260, 256)
    }
  }

  // MARK: I2CDeviceEmulator

  public func powerOnReset(nowNanoseconds: UInt64) {
    registers.reset()
    fifoQueue.removeAll()
    samplesProduced = 0
    resetBusyUntil = 0
    rng = SplitMix64(seed: seed)
    now = nowNanoseconds
    nextSampleNanoseconds = nowNanoseconds
  }

  public func advance(toNanoseconds t: UInt64) {
    now = max(now, t)
    if registers[Reg.pwrMgmt1] & 0x80 != 0 && now >= resetBusyUntil {
      registers.reset()
      fifoQueue.removeAll()
      nextSampleNanoseconds = now
    }
    guard isSampling else {
      nextSampleNanoseconds = max(nextSampleNanoseconds, now)
      return
    }
    let period = periodNanoseconds
    guard nextSampleNanoseconds <= now else { return }
    var due = (now - nextSampleNanoseconds) / period + 1
    let fifoOn = registers[Reg.userCtrl] & 0x40 != 0 && registers[Reg.fifoEn] != 0
    // Without a FIFO only the newest sample is visible; with one, more than a FIFO-full of
    // samples all end up overwritten, so skip those too (but keep the overflow).
    let keep: UInt64 = fifoOn ? UInt64(model.fifoCapacity / 6 + 2) : 1
    if due > keep {
      nextSampleNanoseconds += (due - keep) * period
      if fifoOn { markOverflow() }
      due = keep
    }
    for _ in 0..<due {
      produceSample(at: nextSampleNanoseconds, toFIFO: fifoOn)
      nextSampleNanoseconds += period
    }
  }

  public func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8 {
    switch register {
    case Reg.intStatus:
      let v = registers[Reg.intStatus]
      registers[Reg.intStatus] = 0
      return v
    case Reg.fifoCountH:
      latchedCount = UInt16(min(fifoQueue.count, Int(UInt16.max)))
      return UInt8(latchedCount >> 8)
    case Reg.fifoCountL:
      return UInt8(latchedCount & 0xFF)
    case Reg.fifoRW:
      return fifoQueue.pop() ?? 0xFF
    default:
      return registers[register]
    }
  }

  public func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64) {
    // While DEVICE_RESET runs the chip ignores writes.
    if nowNanoseconds < resetBusyUntil { return }
    switch register {
    case Reg.pwrMgmt1:
      if value & 0x80 != 0 {
        registers.reset()
        registers[Reg.pwrMgmt1] = 0xC0
        fifoQueue.removeAll()
        resetBusyUntil = nowNanoseconds + resetDurationNanoseconds
        return
      }
      let wasSampling = isSampling
      registers.hostWrite(register, value)
      if !wasSampling && isSampling { nextSampleNanoseconds = nowNanoseconds + periodNanoseconds }
    case Reg.userCtrl:
      if value & 0x04 != 0 { fifoQueue.removeAll() }
      registers.hostWrite(register, value & ~0x07)  // reset bits clear themselves
    case Reg.smplrtDiv, Reg.config:
      registers.hostWrite(register, value)
      nextSampleNanoseconds = nowNanoseconds + periodNanoseconds
    default:
      registers.hostWrite(register, value)
    }
  }

  public func pointerAdvances(after register: UInt8) -> Bool { register != Reg.fifoRW }

  // MARK: Samples

  private func markOverflow() {
    if registers[Reg.intEnable] & 0x10 != 0 { registers[Reg.intStatus] |= 0x10 }
  }

  private func produceSample(at t: UInt64, toFIFO: Bool) {
    let m = motion.motion(atSeconds: Double(t) / 1e9)
    let (bwA, bwG) = bandwidths
    let sa = noise.accelNoiseDensity * bwA.squareRoot()
    let sg = noise.gyroNoiseDensity * bwG.squareRoot()
    var acc = m.specificForce + noise.accelBias
    var gyr = m.angularRate + noise.gyroBias
    if sa > 0 { acc += SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * sa }
    if sg > 0 { gyr += SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * sg }
    let aPerUnit = 32768 / (accelRangeG * standardGravity)
    let gPerUnit = 32768 / (gyroRangeDPS * degreesToRadians)
    let codes: [Int16] = [
      SensorCode.int16(acc.x, countsPerUnit: aPerUnit), SensorCode.int16(acc.y, countsPerUnit: aPerUnit),
      SensorCode.int16(acc.z, countsPerUnit: aPerUnit),
      SensorCode.int16(temperatureC - model.temperatureOffsetC, countsPerUnit: model.temperatureSensitivity),
      SensorCode.int16(gyr.x, countsPerUnit: gPerUnit), SensorCode.int16(gyr.y, countsPerUnit: gPerUnit),
      SensorCode.int16(gyr.z, countsPerUnit: gPerUnit),
    ]
    for (i, c) in codes.enumerated() { registers.setInt16BigEndian(c, at: Reg.dataStart + UInt8(2 * i)) }
    samplesProduced += 1
    if registers[Reg.intEnable] & 0x01 != 0 { registers[Reg.intStatus] |= 0x01 }
    guard toFIFO else { return }
    // FIFO_EN bits → registers, in register order: accel (bit 3), temp (7), gyro X, Y, Z (6, 5, 4).
    let en = registers[Reg.fifoEn]
    var frame: [UInt8] = []
    func push(_ start: UInt8, _ count: Int) {
      for k in 0..<count { frame.append(registers[start + UInt8(k)]) }
    }
    if en & 0x08 != 0 { push(0x3B, 6) }
    if en & 0x80 != 0 { push(0x41, 2) }
    if en & 0x40 != 0 { push(0x43, 2) }
    if en & 0x20 != 0 { push(0x45, 2) }
    if en & 0x10 != 0 { push(0x47, 2) }
    var overflowed = false
    for byte in frame where fifoQueue.push(byte) { overflowed = true }
    if overflowed { markOverflow() }
  }
}

/// A bounded byte queue that drops its oldest byte when full, as chip FIFOs do.
public struct ByteFIFO: Sendable, Equatable {
  public let capacity: Int
  private var storage: [UInt8]
  private var head = 0
  public private(set) var count = 0

  public init(capacity: Int) {
    self.capacity = max(1, capacity)
    storage = [UInt8](repeating: 0, count: max(1, capacity))
  }

  public var isEmpty: Bool { count == 0 }

  /// Appends `byte`; returns true when the oldest byte had to be dropped to make room.
  @discardableResult
  public mutating func push(_ byte: UInt8) -> Bool {
    storage[(head + count) % capacity] = byte
    if count == capacity {
      head = (head + 1) % capacity
      return true
    }
    count += 1
    return false
  }

  public mutating func pop() -> UInt8? {
    guard count > 0 else { return nil }
    let b = storage[head]
    head = (head + 1) % capacity
    count -= 1
    return b
  }

  public mutating func removeAll() {
    head = 0
    count = 0
  }

  /// Oldest first.
  public var contents: [UInt8] { (0..<count).map { storage[(head + $0) % capacity] } }
}
