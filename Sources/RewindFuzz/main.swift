import Glibc

// SwiftPM gives executables their own entry point, so libFuzzer's `main` is not used: this one
// starts libFuzzer's driver with the decoders' callback. The driver is looked up at run time, so
// the target also links in ordinary builds (where it only says how to run it); `make fuzz` links
// libFuzzer in and exports the symbol.
typealias FuzzerDriver = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                         @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
    let message = "RewindFuzz: built without libFuzzer; run `make fuzz`\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
var argumentCount = CommandLine.argc
var arguments = CommandLine.unsafeArgv
exit(unsafeBitCast(symbol, to: FuzzerDriver.self)(&argumentCount, &arguments) { data, size in
    guard let data else { return 0 }
    return fuzz(data, size)
})
