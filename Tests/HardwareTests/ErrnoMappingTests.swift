import HAL
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

final class ErrnoMappingTests: XCTestCase {
  func testKernelErrnosMapToActionableKinds() {
    XCTAssertEqual(I2CError.kind(forErrno: ENXIO), .noAcknowledgeAddress)
    XCTAssertEqual(I2CError.kind(forErrno: EREMOTEIO), .noAcknowledgeData)
    XCTAssertEqual(I2CError.kind(forErrno: EAGAIN), .arbitrationLost)
    XCTAssertEqual(I2CError.kind(forErrno: EIO), .bus)
    XCTAssertEqual(I2CError.kind(forErrno: ETIMEDOUT), .timeout)
    XCTAssertEqual(GPIOError.kind(forErrno: EBUSY), .busy)
    let e = I2CError(errno: ENXIO, address: 0x68, detail: "/dev/i2c-1")
    XCTAssertTrue(e.description.contains("0x68"), e.description)
    XCTAssertTrue(e.description.contains("/dev/i2c-1"), e.description)
  }
}
