import ChipEmulators
import HAL
import SensorDrivers
import XCTest

/// Many reads with faults injected at random (seeded): every value a driver returns must be the
/// true force, and every failure a typed error. A garbage sample that slips through as a force
/// is the failure these tests look for.
final class LoadCellSoakTests: XCTestCase {
  func testNoHX711GarbagePassesUnderRandomPreemption() throws {
    var rng = SplitMix64(seed: 0xBEEF)
    for gain in HX711Configuration.Gain.allCases {
      let clock = VirtualClock()
      let bridge = LoadCellBridgeModel(countsPerNewton: 400, offsetCounts: 3_000)
      let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80, bridge: bridge)
      var force = 50.0
      chip.forceSource = ClosureForce { _ in force }
      var driver = HX711Driver(
        clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
        configuration: .init(gain: gain, rate: .sps80, readyTimeoutNanoseconds: 100_000_000))
      try driver.start()
      var good = 0
      var errors: [LoadCellError.Kind: Int] = [:]
      for i in 0..<400 {
        if i % 37 == 0 { force = Double(rng.next() % 400) - 100 }
        switch rng.next() % 10 {
        case 0:
          // A preemption of 0–150 µs with PD_SCK high, at a random pulse.
          chip.injectPreemption(
            atPulse: Int(1 + rng.next() % 27), nanoseconds: rng.next() % 150_000)
        case 1: chip.injectAllOnes()
        case 2 where i % 5 == 0: chip.injectStuckDOUT()
        default: chip.releaseStuckDOUT()
        }
        do {
          guard let raw = try driver.readRaw() else { continue }
          let expected = chip.expectedCode(newtons: force, gain: gain.factor)
          XCTAssertEqual(
            raw, expected, "read \(i), gain \(gain.factor): a wrong sample got through")
          good += 1
        } catch {
          errors[error.kind, default: 0] += 1
        }
      }
      chip.releaseStuckDOUT()
      XCTAssertGreaterThan(good, 200, "gain \(gain.factor): \(errors)")
      XCTAssertEqual(
        Set(errors.keys).subtracting([.timingOverrun, .invalidSample, .dataReadyTimeout]), [],
        "\(errors)")
      XCTAssertGreaterThan(driver.statistics.timingOverruns, 0)
    }
  }

  func testNoNAU7802GarbagePassesUnderRandomBusFaults() throws {
    var rng = SplitMix64(seed: 0xCAFE)
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    let chip = EmulatedNAU7802(
      bridge: LoadCellBridgeModel(countsPerNewton: 900, offsetCounts: -2_000))
    var force = 10.0
    chip.forceSource = ClosureForce { _ in force }
    bus.attach(chip, at: 0x2A)
    var driver = NAU7802Driver(
      bus: bus, clock: clock, configuration: .init(gain: .x32, rate: .sps320))
    try driver.start()
    var good = 0
    var errors: [LoadCellError.Kind: Int] = [:]
    for i in 0..<400 {
      if i % 41 == 0 { force = Double(rng.next() % 300) - 50 }
      switch rng.next() % 12 {
      case 0: bus.inject(.noAcknowledgeAddress, skip: Int(rng.next() % 3))
      case 1: bus.inject(.error(.bus), skip: Int(rng.next() % 3))
      case 2: bus.inject(.clockJump(nanoseconds: rng.next() % 20_000_000))
      case 3 where i % 4 == 0: bus.inject(.vanish(nanoseconds: rng.next() % 5_000_000))
      default: break
      }
      do {
        guard let raw = try driver.readRaw() else { continue }
        XCTAssertEqual(
          raw, chip.expectedCode(newtons: force), "read \(i): a wrong sample got through")
        good += 1
      } catch {
        errors[error.kind, default: 0] += 1
        clock.advance(nanoseconds: 1_000_000)
      }
    }
    XCTAssertGreaterThan(good, 250, "\(errors)")
    XCTAssertEqual(Set(errors.keys).subtracting([.i2c, .chipReset]), [], "\(errors)")
  }
}
