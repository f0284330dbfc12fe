import HAL

/// An HX711 on two emulated GPIO lines sharing a ``VirtualClock``, modelled from the datasheet:
///
/// - conversions complete on a fixed grid at 10 or 80 per second (the RATE pin); DOUT goes low
///   when one is ready;
/// - each rising edge of PD_SCK shifts out the next bit, MSB first; the 25th pulls DOUT high;
///   25, 26 or 27 pulses select channel A gain 128, channel B gain 32 or channel A gain 64 for
///   the following conversions;
/// - PD_SCK high for 60 µs powers the chip down (DOUT reads high, a readout in progress is
///   lost); PD_SCK low again resets it to channel A gain 128, with the first conversion four
///   periods later (the datasheet's settling time).
///
/// Every GPIO access takes ``gpioAccessNanoseconds`` of virtual time, as a libgpiod call does.
/// Faults: a clock jump during a chosen high phase (the host thread preempted), DOUT stuck high,
/// all-ones conversions, and the chip vanishing (DOUT floating high or low) and returning.
///
/// A class: the chip is one piece of state shared by its two lines and the test that sets the
/// force and plans the faults. Not thread-safe, like its clock.
public final class EmulatedHX711 {
  public typealias Gain = (pulses: Int, factor: Int)

  public let clock: VirtualClock
  /// 10 or 80 (the RATE pin).
  public var samplesPerSecond: Int {
    didSet { samplesPerSecond = samplesPerSecond >= 80 ? 80 : 10 }
  }
  public var bridge: LoadCellBridgeModel
  public var forceSource: any ForceSource
  /// Virtual time each GPIO access takes.
  public var gpioAccessNanoseconds: UInt64

  /// The gain factor used for the next conversion (128 after reset).
  public private(set) var selectedGainFactor = 128
  /// Whether the chip is powered down (PD_SCK held high ≥ 60 µs), as of the clock's time now.
  public var isPoweredDown: Bool {
    update(to: clock.nowNanoseconds)
    return poweredDown
  }
  private var poweredDown = false
  /// Resets seen (power-up after power-down, reconnection).
  public private(set) var resetCount = 0
  /// Conversions clocked out completely (24 bits or more).
  public private(set) var completedReadouts = 0
  /// The codes of the conversions clocked out, oldest first (bounded to the last 64).
  public private(set) var recentCodes: [Int32] = []

  public static let powerDownNanoseconds: UInt64 = 60_000

  // Wire state.
  private var sckHigh = false
  private var sckRoseAt: UInt64 = 0
  // Conversion state.
  private var nextConversionAt: UInt64
  private var dataReady = false
  private var latched: UInt32 = 0
  private var latchedGain = 128
  /// Rising edges since the readout of the latched conversion began (0: not begun).
  private var pulses = 0
  private var random: SplitMix64

  // Faults.
  private var preemptions: [(pulse: Int, nanoseconds: UInt64)] = []
  private var allOnesRemaining = 0
  private var stuckHigh = false
  private var vanishedLevel: Bool?

  public init(
    clock: VirtualClock, samplesPerSecond: Int = 10, bridge: LoadCellBridgeModel = .init(),
    force: any ForceSource = ConstantForce(newtons: 0), gpioAccessNanoseconds: UInt64 = 1_000,
    seed: UInt64 = 0x4811
  ) {
    self.clock = clock
    self.samplesPerSecond = samplesPerSecond >= 80 ? 80 : 10
    self.bridge = bridge
    self.forceSource = force
    self.gpioAccessNanoseconds = gpioAccessNanoseconds
    self.random = SplitMix64(seed: seed)
    nextConversionAt = clock.nowNanoseconds
    nextConversionAt = clock.nowNanoseconds &+ settlingNanoseconds
  }

  /// The PD_SCK line, for the driver to drive.
  public var clockLine: ClockLine { ClockLine(chip: self) }
  /// The DOUT line, for the driver to read.
  public var dataLine: DataLine { DataLine(chip: self) }

  public struct ClockLine: GPIOOutputLine {
    public let chip: EmulatedHX711
    public mutating func set(high: Bool) throws(GPIOError) { chip.drive(high: high) }
  }

  public struct DataLine: GPIOInputLine {
    public let chip: EmulatedHX711
    public mutating func isHigh() throws(GPIOError) -> Bool { chip.readDOUT() }

    /// Polls DOUT at 10 µs steps of virtual time; edges are seen only on DOUT level changes.
    public mutating func waitForEdge(timeoutNanoseconds: UInt64) throws(GPIOError) -> GPIOEdgeEvent? {
      let start = chip.clock.nowNanoseconds
      var level = chip.readDOUT()
      while chip.clock.nowNanoseconds &- start < timeoutNanoseconds {
        chip.clock.advance(nanoseconds: 10_000)
        let now = chip.readDOUT()
        if now != level {
          return GPIOEdgeEvent(
            edge: now ? .rising : .falling, timestampNanoseconds: chip.clock.nowNanoseconds)
        }
        level = now
      }
      return nil
    }
  }

  var periodNanoseconds: UInt64 { 1_000_000_000 / UInt64(samplesPerSecond) }
  var settlingNanoseconds: UInt64 { 4 * periodNanoseconds }

  // MARK: Faults

  /// The next readout's rising edge number `pulse` (1-based) is followed by a jump of the clock,
  /// as if the host thread were preempted with PD_SCK high. 60 µs or more powers the chip down.
  public func injectPreemption(atPulse pulse: Int, nanoseconds: UInt64) {
    preemptions.append((max(1, pulse), nanoseconds))
  }

  /// The next `count` conversions read as all ones.
  public func injectAllOnes(count: Int = 1) { allOnesRemaining += max(0, count) }

  /// DOUT stuck high (never ready) until ``releaseStuckDOUT()``.
  public func injectStuckDOUT() { stuckHigh = true }
  public func releaseStuckDOUT() { stuckHigh = false }

  /// The chip is unplugged: PD_SCK goes nowhere and DOUT floats to `doutFloatsHigh` (a pull-up
  /// or pull-down on the host pin).
  public func vanish(doutFloatsHigh: Bool) { vanishedLevel = doutFloatsHigh }

  /// The chip is plugged back in: it powers on as after a reset.
  public func reconnect() {
    guard vanishedLevel != nil else { return }
    vanishedLevel = nil
    reset(at: clock.nowNanoseconds)
  }

  // MARK: Model

  private func reset(at now: UInt64) {
    poweredDown = false
    selectedGainFactor = 128
    dataReady = false
    pulses = 0
    nextConversionAt = now &+ settlingNanoseconds
    resetCount += 1
  }

  /// Brings the chip's state up to `now`: power-down, then conversions that became due.
  private func update(to now: UInt64) {
    guard vanishedLevel == nil else { return }
    if sckHigh && !poweredDown && now &- sckRoseAt >= Self.powerDownNanoseconds {
      poweredDown = true
      dataReady = false
      pulses = 0
    }
    if poweredDown { return }
    while now >= nextConversionAt {
      // A conversion completing during a readout does not overwrite the data being shifted;
      // once all 24 bits are out, the next conversion ends the readout.
      if pulses == 0 || pulses >= 25 {
        pulses = 0
        latchConversion(at: nextConversionAt)
      }
      nextConversionAt &+= periodNanoseconds
    }
  }

  private func latchConversion(at t: UInt64) {
    latchedGain = selectedGainFactor
    if allOnesRemaining > 0 {
      allOnesRemaining -= 1
      latched = 0xFF_FFFF
    } else {
      let newtons = forceSource.force(atSeconds: Double(t) / 1e9)
      let code = bridge.code(newtons: newtons, gain: latchedGain, random: &random)
      latched = UInt32(bitPattern: code) & 0xFF_FFFF
    }
    dataReady = true
  }

  func drive(high: Bool) {
    clock.advance(nanoseconds: gpioAccessNanoseconds)
    let now = clock.nowNanoseconds
    update(to: now)
    guard high != sckHigh else { return }
    sckHigh = high
    guard vanishedLevel == nil else { return }
    if high {
      sckRoseAt = now
      if dataReady || pulses > 0 {
        pulses += 1
        if pulses == 24 { record(signed24(latched)) }
      }
      if pulses > 0, let i = preemptions.firstIndex(where: { $0.pulse == pulses }) {
        let jump = preemptions.remove(at: i).nanoseconds
        clock.advance(nanoseconds: jump)
        update(to: clock.nowNanoseconds)
      }
    } else {
      if poweredDown {
        reset(at: now)
        return
      }
      if pulses >= 25 {
        // The pulse count so far chooses the gain of the next conversions (more pulses may
        // follow, up to 27); DOUT stays high until the next conversion.
        selectedGainFactor = pulses == 25 ? 128 : pulses == 26 ? 32 : 64
        dataReady = false
        if pulses == 25 { completedReadouts += 1 }
      }
    }
  }

  func readDOUT() -> Bool {
    clock.advance(nanoseconds: gpioAccessNanoseconds)
    update(to: clock.nowNanoseconds)
    if let floating = vanishedLevel { return floating }
    if stuckHigh || poweredDown { return true }
    if pulses > 0 {
      if pulses <= 24 { return latched >> UInt32(24 - pulses) & 1 == 1 }
      return true
    }
    return !dataReady
  }

  private func record(_ code: Int32) {
    if recentCodes.count == 64 { recentCodes.removeFirst() }
    recentCodes.append(code)
  }

  private func signed24(_ raw: UInt32) -> Int32 { Int32(bitPattern: raw << 8) >> 8 }

  /// The code a noise-free conversion of `newtons` gives at `gain` (for test expectations).
  public func expectedCode(newtons: Double, gain: Int) -> Int32 {
    LoadCellBridgeModel.saturate24(
      (bridge.offsetCounts + newtons * bridge.countsPerNewton) * Double(gain) / 128)
  }
}
