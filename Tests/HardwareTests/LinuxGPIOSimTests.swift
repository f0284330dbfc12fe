import Foundation
import HAL
import SensorDrivers
import XCTest

@testable import LinuxHAL

#if canImport(Glibc)
  import Glibc
#endif

/// The GPIO shim and `LinuxGPIOChip` against a real kernel: a `gpio-sim` chip (built out of tree)
/// behind a real `/dev/gpiochipN`, whose input levels are set through sysfs `pull` and whose
/// outputs are read through sysfs `value`. Runs only where `TRACTION_GPIO_SIM_CHIP` and
/// `TRACTION_GPIO_SIM_SYSFS` are set — inside the guest `Hardware/KernelTest/run-kernel-tests.sh`
/// boots; skipped everywhere else.
final class LinuxGPIOSimTests: XCTestCase {
  struct Sim {
    var chip: LinuxGPIOChip
    var sysfs: String

    func value(_ offset: UInt32) throws -> String {
      try String(contentsOfFile: "\(sysfs)/sim_gpio\(offset)/value", encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func pull(_ offset: UInt32, up: Bool) throws {
      try (up ? "pull-up" : "pull-down").write(
        toFile: "\(sysfs)/sim_gpio\(offset)/pull", atomically: false, encoding: .utf8)
    }
  }

  func sim() throws -> Sim {
    let env = ProcessInfo.processInfo.environment
    guard let path = env["TRACTION_GPIO_SIM_CHIP"], let sysfs = env["TRACTION_GPIO_SIM_SYSFS"]
    else {
      throw XCTSkip("no gpio-sim chip (run Hardware/KernelTest/run-kernel-tests.sh)")
    }
    try XCTSkipUnless(LinuxHardwareSupport.isAvailable, "needs the LinuxHardware trait")
    return Sim(chip: try LinuxGPIOChip(path: path), sysfs: sysfs)
  }

  func testAnOutputLineDrivesTheSimulatedPin() throws {
    let s = try sim()
    var line = try s.chip.requestOutput(offset: 3, initialHigh: true)
    XCTAssertEqual(try s.value(3), "1", "requested high")
    try line.set(high: false)
    XCTAssertEqual(try s.value(3), "0")
    try line.set(high: true)
    XCTAssertEqual(try s.value(3), "1")
  }

  func testAnInputLineReadsLevelsAndReportsEdges() throws {
    let s = try sim()
    try s.pull(5, up: false)
    var line = try s.chip.requestInput(offset: 5, edges: .both)
    XCTAssertFalse(try line.isHigh())
    XCTAssertNil(try line.waitForEdge(timeoutNanoseconds: 10_000_000), "no edge yet")
    let before = SystemClock().nowNanoseconds
    try s.pull(5, up: true)
    let rising = try XCTUnwrap(line.waitForEdge(timeoutNanoseconds: 1_000_000_000))
    XCTAssertEqual(rising.edge, .rising)
    XCTAssertTrue(try line.isHigh())
    // Edge timestamps are CLOCK_MONOTONIC, the SystemClock's time base.
    XCTAssertGreaterThanOrEqual(rising.timestampNanoseconds, before)
    XCTAssertLessThanOrEqual(rising.timestampNanoseconds, SystemClock().nowNanoseconds)
    try s.pull(5, up: false)
    XCTAssertEqual(try line.waitForEdge(timeoutNanoseconds: 1_000_000_000)?.edge, .falling)
  }

  func testALineHeldElsewhereIsBusy() throws {
    let s = try sim()
    let held = try s.chip.requestOutput(offset: 1)
    XCTAssertThrowsError(try s.chip.requestInput(offset: 1)) { error in
      guard let e = error as? GPIOError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.kind, .busy, "\(e)")
      XCTAssertTrue(e.detail.contains("line 1"), e.detail)
    }
    _ = held
  }

  func testAReleasedLineCanBeRequestedAgain() throws {
    let s = try sim()
    do { _ = try s.chip.requestOutput(offset: 2) }
    XCTAssertNoThrow(try s.chip.requestInput(offset: 2))
  }

  func testAnOffsetBeyondTheChipIsNotFound() throws {
    let s = try sim()
    XCTAssertThrowsError(try s.chip.requestOutput(offset: 64)) { error in
      guard let e = error as? GPIOError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.kind, .notFound, "\(e)")
      XCTAssertTrue(e.detail.contains("line 64"), e.detail)
    }
  }

  func testTheHX711DriverOnRealLinesWithoutAChip() throws {
    let s = try sim()
    // DOUT pulled up: never ready.
    try s.pull(7, up: true)
    var driver = HX711Driver(
      clock: SystemClock(), clockLine: try s.chip.requestOutput(offset: 6),
      dataLine: try s.chip.requestInput(offset: 7),
      configuration: HX711Configuration(readyTimeoutNanoseconds: 30_000_000))
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .dataReadyTimeout, "\(error)")
    }
    // DOUT pulled down: "ready", 25 pulses through libgpiod, all zeros, still low: no chip.
    try s.pull(7, up: false)
    XCTAssertThrowsError(try driver.readRaw()) { error in
      let kind = (error as? LoadCellError)?.kind
      // Under an emulated CPU a pulse can outlast the limit; both say "no good sample".
      XCTAssertTrue(kind == .noResponse || kind == .timingOverrun, "\(error)")
    }
    XCTAssertEqual(try s.value(6), "0", "PD_SCK is left low")
    print(
      "HX711 over gpio-sim: \(driver.statistics.readouts) readout(s), longest high phase \(driver.statistics.longestHighPhaseNanoseconds / 1_000) µs"
    )
  }
}
