import Foundation
import HAL
import SensorDrivers
import XCTest

@testable import LinuxHAL

#if canImport(Glibc)
  import Glibc
#endif

/// `LinuxI2CBus` against a real kernel: the `i2c-stub` module (a fake SMBus chip, 256 byte
/// registers, at address 0x2A) behind a real `/dev/i2c-N`. Runs only where
/// `TRACTION_I2C_STUB_BUS` names that node — inside the guest that
/// `Hardware/KernelTest/run-kernel-tests.sh` boots; skipped everywhere else.
final class LinuxI2CStubTests: XCTestCase {
  let chip: UInt8 = 0x2A

  func stubBus() throws -> LinuxI2CBus {
    guard let path = ProcessInfo.processInfo.environment["TRACTION_I2C_STUB_BUS"] else {
      throw XCTSkip("no i2c-stub bus (run Hardware/KernelTest/run-kernel-tests.sh)")
    }
    try XCTSkipUnless(LinuxHardwareSupport.isAvailable, "needs the LinuxHardware trait")
    return try LinuxI2CBus(path: path)
  }

  func testTheStubIsSMBusOnlySoTheBusFallsBackToSMBus() throws {
    let bus = try stubBus()
    XCTAssertEqual(bus.functionality & 1, 0, "i2c-stub has no I2C_FUNC_I2C")
    XCTAssertEqual(bus.mode, .smbus)
  }

  func testRegisterWritesAndReadsRoundTripThroughTheKernel() throws {
    var bus = try stubBus()
    try bus.writeRegister(address: chip, 0x01, 0x27)
    XCTAssertEqual(try bus.readRegister(address: chip, 0x01), 0x27)
    // 40 bytes: one 32-byte SMBus block and one of 8, both ways.
    let pattern = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    try bus.write(address: chip, [0x40] + pattern)
    XCTAssertEqual(try bus.readRegisters(address: chip, from: 0x40, count: 40), pattern)
    XCTAssertEqual(
      try bus.readRegisters(address: chip, from: 0x50, count: 3), Array(pattern[16..<19]))
  }

  func testNothingAtAnAddressIsNoAcknowledge() throws {
    var bus = try stubBus()
    XCTAssertThrowsError(try bus.readRegister(address: 0x51, 0x00)) { error in
      guard let e = error as? I2CError else { return XCTFail("\(error)") }
      // The kernel's fault codes say ENXIO for an unacknowledged address, but adapters differ:
      // i2c-stub answers ENODEV (which the shared mapping calls no acknowledge of data) and
      // i2c-bcm2835 EREMOTEIO. Either way it is a no-acknowledge the caller can act on.
      XCTAssertTrue([ENXIO, ENODEV, EREMOTEIO].contains(e.errno ?? 0), "\(e)")
      XCTAssertTrue([.noAcknowledgeAddress, .noAcknowledgeData].contains(e.kind), "\(e)")
      XCTAssertEqual(e.address, 0x51)
      XCTAssertTrue(e.detail.contains(bus.path), e.detail)
    }
  }

  func testABareMultiByteReadHasNoSMBusForm() throws {
    var bus = try stubBus()
    XCTAssertThrowsError(try bus.read(address: chip, count: 6)) { error in
      XCTAssertEqual((error as? I2CError)?.kind, .notSupported)
    }
  }

  func testTheNAU7802DriverSeesAChipThatNeverPowersUp() throws {
    // The stub stores bytes but has no side effects: PUR never sets after PUD.
    let bus = try stubBus()
    var driver = NAU7802Driver(bus: bus, clock: SystemClock())
    XCTAssertThrowsError(try driver.start()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .powerUpTimeout, "\(error)")
    }
  }
}
