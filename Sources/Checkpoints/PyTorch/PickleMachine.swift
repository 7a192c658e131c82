// A restricted unpickler for `torch.save`'s data.pkl, after CPython's Lib/pickle.py `_Unpickler` for the opcode
// subset torch writes (protocol 2, plus the protocol-4 FRAME/MEMOIZE/STACK_GLOBAL/SHORT_BINUNICODE forms) and
// torch/serialization.py's `persistent_load`. Nothing is executed: GLOBAL resolves only names on the allow-list
// (PickleGlobal), REDUCE only rebuilds tensors and empty OrderedDicts, BUILD only sets dict attributes.

/// Interprets one pickle stream into a `PickleValue`.
struct PickleMachine {
    let bytes: UnsafeRawBufferPointer
    let file: String
    /// Resolves a persistent id ('storage', type, key, location, count) to a storage; validates the record.
    let resolveStorage: (_ dtype: SafetensorsDType, _ key: String, _ elementCount: Int) throws(PyTorchArchiveError) -> PyTorchStorageReference

    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var opcodeStart = 0

    init(bytes: UnsafeRawBufferPointer, file: String,
         resolveStorage: @escaping (SafetensorsDType, String, Int) throws(PyTorchArchiveError) -> PyTorchStorageReference) {
        self.bytes = bytes
        self.file = file
        self.resolveStorage = resolveStorage
    }

    private func fail(_ reason: String) -> PyTorchArchiveError {
        .invalidPickle(file: file, offset: opcodeStart, reason: reason)
    }

    // MARK: Reading the stream

    private mutating func read(_ count: Int) throws(PyTorchArchiveError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw fail("truncated: needs \(count) more bytes, \(bytes.count - position) left")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func unsigned(_ count: Int) throws(PyTorchArchiveError) -> UInt64 {
        let raw = try read(count)
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(raw[index]) << (8 * UInt64(index)) }
        return value
    }

    private mutating func length(_ count: Int) throws(PyTorchArchiveError) -> Int {
        let value = try unsigned(count)
        guard value <= UInt64(bytes.count - position) else { throw fail("length \(value) runs past the end of the stream") }
        return Int(value)
    }

    private mutating func line() throws(PyTorchArchiveError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("unterminated GLOBAL name") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return text
    }

    private mutating func utf8(_ count: Int) throws(PyTorchArchiveError) -> String {
        let raw = try read(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return text
    }

    // MARK: The stack

    private mutating func pop() throws(PyTorchArchiveError) -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        return value
    }

    private mutating func popToMark() throws(PyTorchArchiveError) -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func popItems(_ count: Int) throws(PyTorchArchiveError) -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        return items
    }

    private func top() throws(PyTorchArchiveError) -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return value
    }

    private mutating func memoGet(_ index: Int) throws(PyTorchArchiveError) -> PickleValue {
        guard let value = memo[index] else { throw fail("memo key \(index) was never stored") }
        return value
    }

    // MARK: Running

    /// Runs the stream to STOP and returns the pickled object.
    mutating func run() throws(PyTorchArchiveError) -> PickleValue {
        while true {
            opcodeStart = position
            let opcode = try read(1)[0]
            switch opcode {
            case 0x80: // PROTO
                let version = try unsigned(1)
                guard version <= 5 else { throw fail("pickle protocol \(version) is newer than 5") }
            case 0x95: // FRAME: a length hint only
                _ = try unsigned(8)
            case 0x2E: // STOP
                let result = try pop()
                guard stack.isEmpty, marks.isEmpty else { throw fail("values left on the stack at STOP") }
                return result
            case 0x28: marks.append(stack.count) // MARK
            case 0x29: stack.append(.tuple([])) // EMPTY_TUPLE
            case 0x5D: stack.append(.list(PickleList())) // EMPTY_LIST
            case 0x7D: stack.append(.dict(PickleDict())) // EMPTY_DICT
            case 0x4E: stack.append(.none) // NONE
            case 0x88: stack.append(.bool(true)) // NEWTRUE
            case 0x89: stack.append(.bool(false)) // NEWFALSE
            case 0x4B: stack.append(.int(Int(try unsigned(1)))) // BININT1
            case 0x4D: stack.append(.int(Int(try unsigned(2)))) // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try unsigned(4))))) // BININT
            case 0x8A: // LONG1: little-endian two's complement of n bytes
                let count = try length(1)
                guard count <= 8 else { throw fail("LONG1 of \(count) bytes exceeds 64 bits") }
                var value = try unsigned(count)
                if count > 0, count < 8, value & (1 << (8 * UInt64(count) - 1)) != 0 { value |= ~0 << (8 * UInt64(count)) }
                stack.append(.int(Int(Int64(bitPattern: value))))
            case 0x47: // BINFLOAT: big-endian double
                let raw = try read(8)
                var bits: UInt64 = 0
                for index in 0..<8 { bits = bits << 8 | UInt64(raw[index]) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x58: stack.append(.string(try utf8(try length(4)))) // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(try length(1)))) // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try utf8(try length(8)))) // BINUNICODE8
            case 0x74: stack.append(.tuple(try popToMark())) // TUPLE
            case 0x85: stack.append(.tuple(try popItems(1))) // TUPLE1
            case 0x86: stack.append(.tuple(try popItems(2))) // TUPLE2
            case 0x87: stack.append(.tuple(try popItems(3))) // TUPLE3
            case 0x71: memo[Int(try unsigned(1))] = try top() // BINPUT
            case 0x72: memo[Int(try unsigned(4))] = try top() // LONG_BINPUT
            case 0x94: memo[memo.count] = try top() // MEMOIZE
            case 0x68: stack.append(try memoGet(Int(try unsigned(1)))) // BINGET
            case 0x6A: stack.append(try memoGet(Int(try unsigned(4)))) // LONG_BINGET
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popToMark() // POP_MARK
            case 0x32: stack.append(try top()) // DUP
            case 0x61: // APPEND
                let value = try pop()
                try list(try top()).items.append(value)
            case 0x65: // APPENDS
                let values = try popToMark()
                try list(try top()).items.append(contentsOf: values)
            case 0x73: // SETITEM
                let value = try pop(), key = try pop()
                try setItems(in: try top(), [key, value])
            case 0x75: // SETITEMS
                let values = try popToMark()
                try setItems(in: try top(), values)
            case 0x63: // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(try global(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .string(let moduleName) = module, case .string(let globalName) = name else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                stack.append(.global(try global(module: moduleName, name: globalName)))
            case 0x51: // BINPERSID
                stack.append(.storage(try persistentLoad(try pop())))
            case 0x52: // REDUCE
                let arguments = try pop(), callable = try pop()
                stack.append(try reduce(callable, arguments))
            case 0x62: // BUILD
                let state = try pop()
                try build(try top(), state: state)
            default:
                throw .unsupportedOpcode(file: file, offset: opcodeStart, opcode: opcode)
            }
        }
    }

    private func list(_ value: PickleValue) throws(PyTorchArchiveError) -> PickleList {
        guard case .list(let list) = value else { throw fail("APPEND to a \(value.typeName), not a list") }
        return list
    }

    private func setItems(in target: PickleValue, _ values: [PickleValue]) throws(PyTorchArchiveError) {
        guard case .dict(let dictionary) = target else { throw fail("SETITEM on a \(target.typeName), not a dict") }
        guard values.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values") }
        for index in stride(from: 0, to: values.count, by: 2) where !dictionary.set(values[index], values[index + 1]) {
            throw fail("dict key of type \(values[index].typeName) is not supported")
        }
    }

    private func global(module: String, name: String) throws(PyTorchArchiveError) -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            // A storage class of a dtype the engine lacks (complex, float8, quantised) is a dtype problem, not a threat.
            if module == "torch", name.hasSuffix("Storage"), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                throw .unsupportedStorage(file: file, storageType: "torch.\(name)")
            }
            // torch pickles tensors of dtypes without a storage class (float8, uint16/32/64) with this rebuilder.
            if module == "torch._utils", name == "_rebuild_tensor_v3" {
                throw .unsupportedStorage(file: file, storageType: "a dtype without a storage class (torch._utils._rebuild_tensor_v3: float8, uint16/32/64, …)")
            }
            throw .forbiddenGlobal(file: file, offset: opcodeStart, global: "\(module).\(name)")
        }
        return global
    }

    /// torch/serialization.py `persistent_load`: ('storage', storage_type, key, location, numel).
    private func persistentLoad(_ id: PickleValue) throws(PyTorchArchiveError) -> PyTorchStorageReference {
        guard case .tuple(let fields) = id, fields.count == 5, case .string("storage") = fields[0] else {
            throw fail("persistent id is not a ('storage', type, key, location, count) tuple")
        }
        guard case .global(.storageType(let dtype, _)) = fields[1] else {
            throw fail("persistent id names \(fields[1].typeName), not a storage type")
        }
        guard case .string(let key) = fields[2], case .string = fields[3], case .int(let count) = fields[4], count >= 0 else {
            throw fail("persistent id has a malformed key, location or element count")
        }
        return try resolveStorage(dtype, key, count)
    }

    private func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws(PyTorchArchiveError) -> PickleValue {
        guard case .global(let global) = callable else { throw fail("REDUCE of a \(callable.typeName), which is not callable") }
        guard case .tuple(let args) = arguments else { throw fail("REDUCE arguments are a \(arguments.typeName), not a tuple") }
        func refuse(_ reason: String) -> PyTorchArchiveError {
            .forbiddenCall(file: file, offset: opcodeStart, callable: global.name, reason: reason)
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw refuse("an OrderedDict is rebuilt from no arguments") }
            return .dict(PickleDict())
        case .rebuildTensorV2, .rebuildTensor:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            let expected = global == .rebuildTensor ? [4] : [6, 7]
            guard expected.contains(args.count) else { throw refuse("expects \(expected) arguments, got \(args.count)") }
            guard case .storage(let storage) = args[0] else { throw refuse("argument 1 is a \(args[0].typeName), not a storage") }
            guard case .int(let offset) = args[1] else { throw refuse("the storage offset is a \(args[1].typeName)") }
            let shape = try integers(args[2], what: "size", refuse)
            let strides = try integers(args[3], what: "stride", refuse)
            if args.count >= 6 {
                guard case .bool = args[4] else { throw refuse("requires_grad is a \(args[4].typeName)") }
                try requireEmpty(args[5], what: "backward hooks", refuse)
            }
            if args.count == 7 { try requireEmpty(args[6], what: "tensor metadata", refuse) }
            return .tensor(storage: storage, offset: offset, shape: shape, strides: strides)
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state])
            let count = global == .rebuildParameter ? 3 : 4
            guard args.count == count else { throw refuse("expects \(count) arguments, got \(args.count)") }
            guard case .tensor = args[0] else { throw refuse("argument 1 is a \(args[0].typeName), not a tensor") }
            try requireEmpty(args[2], what: "backward hooks", refuse)
            if count == 4 { try requireEmpty(args[3], what: "parameter state", refuse) }
            return args[0]
        case .storageType:
            throw refuse("storages are only loaded through persistent ids")
        }
    }

    private func integers(_ value: PickleValue, what: String,
                          _ refuse: (String) -> PyTorchArchiveError) throws(PyTorchArchiveError) -> [Int] {
        guard case .tuple(let items) = value else { throw refuse("the \(what) is a \(value.typeName), not a tuple") }
        var result: [Int] = []
        for item in items {
            guard case .int(let number) = item else { throw refuse("the \(what) holds a \(item.typeName)") }
            result.append(number)
        }
        return result
    }

    /// Hooks, metadata and parameter state must be empty (None or an empty dict): anything else would need code.
    private func requireEmpty(_ value: PickleValue, what: String,
                              _ refuse: (String) -> PyTorchArchiveError) throws(PyTorchArchiveError) {
        switch value {
        case .none: return
        case .dict(let dictionary) where dictionary.entries.isEmpty: return
        default: throw refuse("non-empty \(what) (\(value.typeName))")
        }
    }

    /// BUILD on a dict with a dict state sets attributes (`state_dict()._metadata`); nothing else is allowed.
    private func build(_ target: PickleValue, state: PickleValue) throws(PyTorchArchiveError) {
        guard case .dict(let dictionary) = target, case .dict(let attributes) = state else {
            throw fail("BUILD of a \(target.typeName) with a \(state.typeName) state is outside the state-dict subset")
        }
        for (key, value) in attributes.entries {
            guard case .string(let name) = key else { throw fail("BUILD attribute name is a \(key.typeName)") }
            dictionary.attributes[name] = value
        }
    }
}
