import ChipEmulators
import HAL
import XCTest

/// A tiny register chip for bus tests: register 0x10 counts reads of itself (clear-on-read style
/// side effect), register 0x20 stays put on reads (a FIFO port), writing 0xA5 to 0x7F resets it,
/// 0x00 is read-only with power-on value 0x42, and 0x30… hold a sample number that advances every
/// millisecond of virtual time.
private final class ToyChip: RegisterMappedEmulator {
  var registers = RegisterFile(powerOn: [0x00: 0x42, 0x05: 0x99], readOnly: [0x00])
  var reads0x10 = 0
  var fifo: [UInt8] = [1, 2, 3]
  var resets = 0

  func advance(toNanoseconds now: UInt64) {
    let n = UInt16(truncatingIfNeeded: now / 1_000_000)
    registers[0x30] = UInt8(n >> 8)
    registers[0x31] = UInt8(n & 0xFF)
    registers[0x32] = UInt8(n >> 8)
    registers[0x33] = UInt8(n & 0xFF)
  }

  func powerOnReset(nowNanoseconds: UInt64) {
    registers.reset()
    resets += 1
  }

  func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8 {
    switch register {
    case 0x10:
      reads0x10 += 1
      return UInt8(reads0x10)
    case 0x20:
      return fifo.isEmpty ? 0 : fifo.removeFirst()
    default: return registers[register]
    }
  }

  func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64) {
    if register == 0x7F && value == 0xA5 {
      powerOnReset(nowNanoseconds: nowNanoseconds)
      return
    }
    registers.hostWrite(register, value)
  }

  func pointerAdvances(after register: UInt8) -> Bool { register != 0x20 }
}

final class EmulatedBusTests: XCTestCase {
  private func makeBus() -> (EmulatedI2CBus, ToyChip, VirtualClock) {
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    let chip = ToyChip()
    bus.attach(chip, at: 0x33)
    return (bus, chip, clock)
  }

  func testEmptyAddressIsNotAcknowledged() {
    var (bus, _, _) = makeBus()
    XCTAssertThrowsError(try bus.readRegister(address: 0x34, 0x00)) { e in
      XCTAssertEqual((e as? I2CError)?.kind, .noAcknowledgeAddress)
      XCTAssertEqual((e as? I2CError)?.address, 0x34)
    }
  }

  func testBurstWriteAndReadAutoIncrement() throws {
    var (bus, _, _) = makeBus()
    try bus.write(address: 0x33, [0x40, 1, 2, 3, 4])
    XCTAssertEqual(try bus.readRegisters(address: 0x33, from: 0x40, count: 4), [1, 2, 3, 4])
    // The pointer stays where the last burst ended, as on real register chips.
    XCTAssertEqual(try bus.read(address: 0x33, count: 2), [0, 0])
    XCTAssertEqual(try bus.readRegisters(address: 0x33, from: 0x42, count: 1), [3])
  }

  func testReadOnlyRegisterAndPowerOnValues() throws {
    var (bus, _, _) = makeBus()
    try bus.writeRegister(address: 0x33, 0x00, 0x11)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x00), 0x42)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
  }

  func testReadSideEffectsAndNonIncrementingPort() throws {
    var (bus, chip, _) = makeBus()
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x10), 1)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x10), 2)
    XCTAssertEqual(chip.reads0x10, 2)
    XCTAssertEqual(try bus.readRegisters(address: 0x33, from: 0x20, count: 4), [1, 2, 3, 0])
  }

  func testWriteSideEffectReset() throws {
    var (bus, chip, _) = makeBus()
    try bus.writeRegister(address: 0x33, 0x05, 0x01)
    try bus.writeRegister(address: 0x33, 0x7F, 0xA5)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
    XCTAssertEqual(chip.resets, 2)  // attach + the write
  }

  func testTransfersAdvanceTheClockByTheirDurationOnTheWire() throws {
    var (bus, _, clock) = makeBus()
    let t0 = clock.nowNanoseconds
    _ = try bus.readRegisters(address: 0x33, from: 0x40, count: 14)
    // Start + address + register byte (1 + 18), repeated start + address + 14 bytes (1 + 135),
    // stop (1): 156 clocks of 2.5 µs at 400 kHz.
    XCTAssertEqual(clock.nowNanoseconds - t0, 156 * 2_500)
    bus.busSpeedHz = 100_000
    let t1 = clock.nowNanoseconds
    try bus.write(address: 0x33, [0x40])
    XCTAssertEqual(clock.nowNanoseconds - t1, 20 * 10_000)
  }

  func testErrorBurstThenRecovery() throws {
    var (bus, _, _) = makeBus()
    bus.inject(.error(.bus), address: 0x33, skip: 1, count: 2)
    XCTAssertNoThrow(try bus.readRegister(address: 0x33, 0x05))
    for _ in 0..<2 {
      XCTAssertThrowsError(try bus.readRegister(address: 0x33, 0x05)) { e in
        XCTAssertEqual((e as? I2CError)?.kind, .bus)
      }
    }
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
    XCTAssertTrue(bus.faultPlan.isExhausted)
    XCTAssertEqual(bus.injectedFaults.map(\.transaction), [2, 3])
  }

  func testNoAcknowledgeFaultsLeaveTheChipUntouched() throws {
    var (bus, _, _) = makeBus()
    bus.inject(.noAcknowledgeData)
    XCTAssertThrowsError(try bus.writeRegister(address: 0x33, 0x05, 0x01)) { e in
      XCTAssertEqual((e as? I2CError)?.kind, .noAcknowledgeData)
    }
    bus.inject(.noAcknowledgeAddress)
    XCTAssertThrowsError(try bus.readRegister(address: 0x33, 0x05)) { e in
      XCTAssertEqual((e as? I2CError)?.kind, .noAcknowledgeAddress)
    }
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
  }

  func testFaultsForOtherAddressesDoNotHit() throws {
    var (bus, _, _) = makeBus()
    bus.inject(.error(.timeout), address: 0x50)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
    XCTAssertFalse(bus.faultPlan.isExhausted)
  }

  func testVanishedDeviceReturnsWithPowerOnRegisters() throws {
    var (bus, chip, clock) = makeBus()
    try bus.writeRegister(address: 0x33, 0x05, 0x01)
    bus.inject(.vanish(nanoseconds: 5_000_000))
    XCTAssertThrowsError(try bus.readRegister(address: 0x33, 0x05)) { e in
      XCTAssertEqual((e as? I2CError)?.kind, .noAcknowledgeAddress)
    }
    clock.delay(milliseconds: 1)
    XCTAssertThrowsError(try bus.readRegister(address: 0x33, 0x05))
    clock.delay(milliseconds: 5)
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
    XCTAssertEqual(chip.resets, 2)
  }

  func testTornReadMixesTwoSamples() throws {
    var (bus, _, clock) = makeBus()
    clock.delay(milliseconds: 10)
    bus.inject(.tornRead(afterBytes: 2, gapNanoseconds: 3_000_000))
    let b = try bus.readRegisters(address: 0x33, from: 0x30, count: 4)
    let first = Int(b[0]) << 8 | Int(b[1])
    let second = Int(b[2]) << 8 | Int(b[3])
    XCTAssertEqual(first, 10)
    XCTAssertEqual(second, 13)
    // Without the fault both halves agree.
    let c = try bus.readRegisters(address: 0x33, from: 0x30, count: 4)
    XCTAssertEqual(c[0...1], c[2...3])
  }

  func testGarbageReadIsSeededAndStillHasSideEffects() throws {
    func run() throws -> [UInt8] {
      var (bus, chip, _) = makeBus()
      bus.inject(.garbageRead)
      let g = try bus.readRegisters(address: 0x33, from: 0x40, count: 8)
      XCTAssertEqual(chip.fifo.count, 3)
      return g
    }
    let a = try run()
    XCTAssertEqual(a, try run())
    XCTAssertNotEqual(a, [UInt8](repeating: 0, count: 8))
  }

  func testClockJumpMovesTimeAndTheTransactionRuns() throws {
    var (bus, _, clock) = makeBus()
    bus.inject(.clockJump(nanoseconds: 50_000_000))
    let t0 = clock.nowNanoseconds
    XCTAssertEqual(try bus.readRegister(address: 0x33, 0x05), 0x99)
    XCTAssertGreaterThanOrEqual(clock.nowNanoseconds - t0, 50_000_000)
  }
}

final class ScriptedBusTests: XCTestCase {
  func testMatchingScriptReturnsBytesAndFinishes() throws {
    var bus = ScriptedI2CBus([
      .readRegisters(0x68, from: 0x75, returns: [0x68]),
      .writeRegister(0x68, 0x6B, 0x01),
      .failing(0x68, [.write([0x3B]), .read(2)], with: I2CError(.noAcknowledgeData, address: 0x68)),
    ])
    XCTAssertEqual(try bus.readRegister(address: 0x68, 0x75), 0x68)
    try bus.writeRegister(address: 0x68, 0x6B, 0x01)
    XCTAssertThrowsError(try bus.readRegisters(address: 0x68, from: 0x3B, count: 2)) { e in
      XCTAssertEqual((e as? I2CError)?.kind, .noAcknowledgeData)
    }
    XCTAssertNoThrow(try bus.finish())
  }

  func testMismatchNamesIndexExpectedAndGot() {
    var bus = ScriptedI2CBus([.writeRegister(0x68, 0x6B, 0x01), .writeRegister(0x68, 0x1A, 0x03)])
    XCTAssertNoThrow(try bus.writeRegister(address: 0x68, 0x6B, 0x01))
    XCTAssertThrowsError(try bus.writeRegister(address: 0x68, 0x1A, 0x04)) { e in
      let d = (e as? I2CError)?.detail ?? ""
      XCTAssertTrue(d.contains("#1"), d)
      XCTAssertTrue(d.contains("[0x1A 0x03]"), d)
      XCTAssertTrue(d.contains("[0x1A 0x04]"), d)
    }
    // The mismatch is remembered even if the driver swallowed the error, and the unused one too.
    XCTAssertThrowsError(try bus.finish()) { e in
      XCTAssertEqual((e as? ScriptedBusError)?.problems.count, 2)
    }
  }

  func testUnusedExpectationsAreReported() {
    let bus = ScriptedI2CBus([.read(0x2A, returns: [1])])
    XCTAssertThrowsError(try bus.finish()) { e in
      XCTAssertTrue(String(describing: e).contains("never made"))
    }
  }

  func testExtraTransactionIsAMismatch() {
    var bus = ScriptedI2CBus()
    XCTAssertThrowsError(try bus.read(address: 0x2A, count: 1))
    XCTAssertThrowsError(try bus.finish())
  }
}

final class ByteFIFOTests: XCTestCase {
  func testDropsOldestWhenFullAndKeepsOrder() {
    var f = ByteFIFO(capacity: 3)
    XCTAssertFalse(f.push(1))
    XCTAssertFalse(f.push(2))
    XCTAssertFalse(f.push(3))
    XCTAssertTrue(f.push(4))
    XCTAssertEqual(f.contents, [2, 3, 4])
    XCTAssertEqual(f.pop(), 2)
    XCTAssertFalse(f.push(5))
    XCTAssertEqual(f.contents, [3, 4, 5])
    f.removeAll()
    XCTAssertNil(f.pop())
  }
}
