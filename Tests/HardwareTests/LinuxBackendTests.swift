import Foundation
import HAL
import SensorDrivers
import XCTest

@testable import LinuxHAL

#if canImport(Glibc)
  import Glibc
#endif

/// The Linux backends without hardware: missing and wrong device nodes, the shim's API
/// generation, the SMBus fallback's plan, the device listing. Every test holds with and
/// without the LinuxHardware trait (without it, opening anything is `.notSupported`).
final class LinuxBackendTests: XCTestCase {
  func testMissingI2CBusNamesThePath() {
    XCTAssertThrowsError(try LinuxI2CBus(busNumber: 99)) { error in
      guard let e = error as? I2CError else { return XCTFail("\(error)") }
      XCTAssertTrue(e.detail.contains("/dev/i2c-99"), e.detail)
      if LinuxHardwareSupport.isAvailable {
        XCTAssertEqual(e.errno, ENOENT)
        XCTAssertEqual(e.kind, .deviceGone)
        XCTAssertTrue(e.detail.contains("open"), e.detail)
      } else {
        XCTAssertEqual(e.kind, .notSupported)
        XCTAssertTrue(e.detail.contains("LinuxHardware"), e.detail)
      }
    }
  }

  func testMissingGPIOChipNamesThePath() {
    XCTAssertThrowsError(try LinuxGPIOChip(number: 99)) { error in
      guard let e = error as? GPIOError else { return XCTFail("\(error)") }
      XCTAssertTrue(e.detail.contains("/dev/gpiochip99"), e.detail)
      if LinuxHardwareSupport.isAvailable {
        XCTAssertEqual(e.errno, ENOENT)
        XCTAssertEqual(e.kind, .notFound)
      } else {
        XCTAssertEqual(e.kind, .notSupported)
        XCTAssertTrue(e.detail.contains("LinuxHardware"), e.detail)
      }
    }
  }

  func testANodeThatIsNotAnI2CAdapterIsRefusedAtOpen() throws {
    try XCTSkipUnless(LinuxHardwareSupport.isAvailable, "needs the LinuxHardware trait")
    // /dev/null opens, but it answers no i2c-dev ioctl (ENOTTY).
    XCTAssertThrowsError(try LinuxI2CBus(path: "/dev/null")) { error in
      guard let e = error as? I2CError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.errno, ENOTTY)
      XCTAssertTrue(e.detail.contains("/dev/null"), e.detail)
      XCTAssertTrue(e.detail.contains("I2C_FUNCS"), e.detail)
    }
  }

  func testALineOnSomethingThatIsNotAGPIOChipFailsWithChipAndOffset() throws {
    try XCTSkipUnless(LinuxHardwareSupport.isAvailable, "needs the LinuxHardware trait")
    let chip = try LinuxGPIOChip(path: "/dev/null")
    XCTAssertThrowsError(try chip.requestOutput(offset: 17)) { error in
      guard let e = error as? GPIOError else { return XCTFail("\(error)") }
      XCTAssertNotEqual(e.kind, .notSupported)
      XCTAssertNotNil(e.errno)
      XCTAssertTrue(e.detail.contains("/dev/null line 17"), e.detail)
    }
    XCTAssertThrowsError(try chip.requestInput(offset: 4, edges: .falling)) { error in
      guard let e = error as? GPIOError else { return XCTFail("\(error)") }
      XCTAssertTrue(e.detail.contains("/dev/null line 4"), e.detail)
    }
  }

  func testTheShimReportsTheLibgpiodAPIItWasBuiltAgainst() throws {
    let version = LinuxGPIOChip.libgpiodAPIVersion
    print("libgpiod API version of the shim: \(version)")
    guard LinuxHardwareSupport.isAvailable else {
      XCTAssertEqual(version, 0, "without the trait the shim has no libgpiod")
      return
    }
    // A build against other headers (the v2 check in docs/hardware-loadcell-linux.md) says so.
    if let expected = ProcessInfo.processInfo.environment["TRACTION_EXPECT_GPIOD_API"].flatMap({
      Int($0)
    }) {
      XCTAssertEqual(version, expected)
      return
    }
    // The installed header decides: GPIOD_LINE_BULK_MAX_LINES exists in every 1.x header only.
    let header = try? String(contentsOfFile: "/usr/include/gpiod.h", encoding: .utf8)
    if let header {
      XCTAssertEqual(version, header.contains("GPIOD_LINE_BULK_MAX_LINES") ? 1 : 2)
    } else {
      XCTAssertTrue([1, 2].contains(version))
    }
  }

  func testTransactionsNoAdapterCanSendAreRefusedBeforeTheKernel() {
    let path = "/dev/i2c-1"
    for (address, ops) in [
      (UInt8(0x80), [I2COperation.read(1)]), (0x2A, [.read(-1)]), (0x2A, [.read(70_000)]),
      (0x2A, [.write([UInt8](repeating: 0, count: 70_000))]),
    ] {
      XCTAssertThrowsError(try LinuxI2CBus.validate(address: address, ops, path: path)) { error in
        XCTAssertTrue((error as? I2CError)?.detail.contains(path) ?? false, "\(error)")
      }
    }
    XCTAssertNoThrow(
      try LinuxI2CBus.validate(address: 0x77, [.write([1]), .read(65_535)], path: path))
  }

  func testTheDocumentedCompositionCompilesAndFailsCleanlyWithoutDevices() {
    // docs/hardware-loadcell-linux.md, "Putting them together", on nodes that do not exist.
    XCTAssertThrowsError(
      try {
        let chip = try LinuxGPIOChip(number: 99)
        var hx711 = HX711Driver(
          clock: SystemClock(), clockLine: try chip.requestOutput(offset: 5),
          dataLine: try chip.requestInput(offset: 6),
          configuration: HX711Configuration(gain: .channelA128, rate: .sps80, medianOfThree: true))
        try hx711.start()
      }()
    ) { error in XCTAssertTrue(error is GPIOError, "\(error)") }
    XCTAssertThrowsError(
      try {
        var nau = NAU7802Driver(bus: try LinuxI2CBus(busNumber: 99), clock: SystemClock())
        try nau.start()
      }()
    ) { error in XCTAssertTrue(error is I2CError, "\(error)") }
  }

  func testAnImpossibleRealtimePriorityIsRefusedWithItsErrno() {
    XCTAssertThrowsError(try LinuxScheduling.useRealtimePriorityForCurrentThread(1_000)) { error in
      guard let e = error as? LinuxSchedulingError else { return XCTFail("\(error)") }
      // Out of range is EINVAL; an unprivileged process may be told EPERM first.
      XCTAssertTrue([EINVAL, EPERM].contains(e.errno), "\(e)")
      XCTAssertTrue(e.description.contains("1000"), e.description)
    }
  }

  // MARK: SMBus fallback plan

  func testRegisterReadsBecomeSMBusCallsInThirtyTwoByteChunks() {
    XCTAssertEqual(
      SMBusCall.plan([.write([0x75]), .read(1)]), .success([.readByteData(register: 0x75)]))
    XCTAssertEqual(
      SMBusCall.plan([.write([0x3B]), .read(70)]),
      .success([
        .readBlockData(register: 0x3B, count: 32), .readBlockData(register: 0x5B, count: 32),
        .readBlockData(register: 0x7B, count: 6),
      ]))
  }

  func testWritesBecomeSMBusCalls() {
    XCTAssertEqual(SMBusCall.plan([.write([])]), .success([.quick]))
    XCTAssertEqual(SMBusCall.plan([.write([0x6B])]), .success([.writeByte(0x6B)]))
    XCTAssertEqual(
      SMBusCall.plan([.write([0x6B, 0x80])]),
      .success([.writeByteData(register: 0x6B, value: 0x80)]))
    let long = [UInt8(0x10)] + (0..<40).map { UInt8($0) }
    XCTAssertEqual(
      SMBusCall.plan([.write(long)]),
      .success([
        .writeBlockData(register: 0x10, bytes: (0..<32).map { UInt8($0) }),
        .writeBlockData(register: 0x30, bytes: (32..<40).map { UInt8($0) }),
      ]))
    XCTAssertEqual(SMBusCall.plan([]), .success([]))
  }

  func testLongTransfersAreRefusedWhenSplittingIsOff() {
    XCTAssertEqual(
      SMBusCall.plan([.write([0x74]), .read(32)], splitLong: false),
      .success([.readBlockData(register: 0x74, count: 32)]))
    guard case .failure(let why) = SMBusCall.plan([.write([0x74]), .read(33)], splitLong: false)
    else {
      return XCTFail("a 33-byte FIFO read must not be split")
    }
    XCTAssertTrue(why.reason.contains("32"), why.reason)
    guard
      case .failure = SMBusCall.plan(
        [.write([0x10] + Array(repeating: 0, count: 33))], splitLong: false)
    else { return XCTFail("a 33-byte write must not be split") }
  }

  func testShapesWithoutAnSMBusFormAreRefused() {
    for ops: [I2COperation] in [
      [.read(6)], [.write([1, 2]), .read(2)], [.read(1), .write([1])],
      [.write([1]), .read(1), .read(1)],
      [.write([0xF0]), .read(40)],
    ] {
      guard case .failure(let why) = SMBusCall.plan(ops) else {
        return XCTFail("\(ops) should be refused")
      }
      XCTAssertFalse(why.reason.isEmpty)
    }
  }

  // MARK: Device listing

  func testDeviceNodesAreListedInNumericOrder() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "traction-devnodes-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for name in ["i2c-10", "i2c-2", "i2c-x", "gpiochip1", "gpiochip0", "gpiochip", "tty0"] {
      _ = FileManager.default.createFile(
        atPath: dir.appendingPathComponent(name).path, contents: nil)
    }
    let path = dir.path
    XCTAssertEqual(LinuxDeviceNodes.i2cBuses(in: path), ["\(path)/i2c-2", "\(path)/i2c-10"])
    XCTAssertEqual(
      LinuxDeviceNodes.gpioChips(in: path), ["\(path)/gpiochip0", "\(path)/gpiochip1"])
    XCTAssertEqual(LinuxDeviceNodes.i2cBuses(in: "/nonexistent-traction"), [])
  }
}
