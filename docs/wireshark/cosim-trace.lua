-- Wireshark/tshark dissector for cosim trace records (docs/trace-format.md).
-- Records sit in pcapng Enhanced Packet Blocks of link type LINKTYPE_USER0
-- (147). Use: tshark -X lua_script:docs/wireshark/cosim-trace.lua -r FILE
-- or copy this file into Wireshark's personal plugins folder.

local p = Proto("cosim", "cosim trace event")

local kinds = {
	[1] = "retire", [2] = "trap", [3] = "interrupt", [4] = "fence", [5] = "fence.i",
	[6] = "sfence.vma", [7] = "mmio", [8] = "console", [9] = "device", [10] = "meta",
	[0x80] = "retire batch",
}
local privs = { [0] = "U", [1] = "S", [2] = "H", [3] = "M" }
local regfiles = { [0] = "none", [1] = "x", [2] = "f" }
local memkinds = { [0] = "none", [1] = "load", [2] = "store", [3] = "amo" }

local f = {
	kind = ProtoField.uint8("cosim.kind", "Kind", base.DEC, kinds),
	version = ProtoField.uint8("cosim.version", "Format version"),
	hart = ProtoField.uint16("cosim.hart", "Hart (65535: board)"),
	flags = ProtoField.uint16("cosim.flags", "Flags", base.HEX),
	cycle = ProtoField.uint64("cosim.cycle", "Cycle"),
	instret = ProtoField.uint64("cosim.instret", "Retired instructions"),
	time = ProtoField.uint64("cosim.time_ps", "Simulated time (ps)"),
	pc = ProtoField.uint64("cosim.pc", "PC", base.HEX),
	insn = ProtoField.uint32("cosim.insn", "Instruction", base.HEX),
	insn_len = ProtoField.uint8("cosim.insn_len", "Instruction length"),
	priv = ProtoField.uint8("cosim.priv", "Privilege", base.DEC, privs),
	regfile = ProtoField.uint8("cosim.regfile", "Register file", base.DEC, regfiles),
	reg = ProtoField.uint8("cosim.reg", "Register"),
	regval = ProtoField.uint64("cosim.reg_value", "Register value", base.HEX),
	csr = ProtoField.uint16("cosim.csr", "CSR", base.HEX),
	csrval = ProtoField.uint64("cosim.csr_value", "CSR value", base.HEX),
	memkind = ProtoField.uint8("cosim.mem_kind", "Memory access", base.DEC, memkinds),
	memsize = ProtoField.uint8("cosim.mem_size", "Memory size"),
	memaddr = ProtoField.uint64("cosim.mem_addr", "Memory address", base.HEX),
	memdata = ProtoField.uint64("cosim.mem_data", "Memory data", base.HEX),
	cause = ProtoField.uint64("cosim.cause", "Cause", base.HEX),
	tval = ProtoField.uint64("cosim.tval", "Trap value", base.HEX),
	target = ProtoField.uint8("cosim.target_priv", "Target privilege", base.DEC, privs),
	newpc = ProtoField.uint64("cosim.new_pc", "New PC", base.HEX),
	addr = ProtoField.uint64("cosim.addr", "Address", base.HEX),
	value = ProtoField.uint64("cosim.value", "Value", base.HEX),
	size = ProtoField.uint8("cosim.size", "Access size"),
	write = ProtoField.bool("cosim.write", "Write"),
	device = ProtoField.string("cosim.device", "Device"),
	data = ProtoField.bytes("cosim.data", "Data"),
	text = ProtoField.string("cosim.text", "Text"),
	count = ProtoField.uint32("cosim.batch_count", "Retirements in batch"),
	hz = ProtoField.uint64("cosim.clock_hz", "Clock (Hz)"),
	event = ProtoField.uint32("cosim.batch_event", "Retirement"),
	fence = ProtoField.uint8("cosim.batch_fence", "Fence event", base.DEC, kinds),
}
local list = {}
for _, v in pairs(f) do list[#list + 1] = v end
p.fields = list

-- Fixed-size groups in the order the flag bits place them.
local groups = {
	{ bit = 0, fn = function(t, b, o) t:add_le(f.time, b(o, 8)); return 8 end },
	{ bit = 1, fn = function(t, b, o)
		t:add_le(f.pc, b(o, 8)); t:add_le(f.insn, b(o + 8, 4))
		t:add(f.insn_len, b(o + 12, 1)); t:add(f.priv, b(o + 13, 1)); return 14 end },
	{ bit = 2, fn = function(t, b, o)
		t:add(f.regfile, b(o, 1)); t:add(f.reg, b(o + 1, 1)); t:add_le(f.regval, b(o + 2, 8)); return 10 end },
	{ bit = 3, fn = function(t, b, o) t:add_le(f.csr, b(o, 2)); t:add_le(f.csrval, b(o + 2, 8)); return 10 end },
	{ bit = 4, fn = function(t, b, o)
		t:add(f.memkind, b(o, 1)); t:add(f.memsize, b(o + 1, 1))
		t:add_le(f.memaddr, b(o + 2, 8)); t:add_le(f.memdata, b(o + 10, 8)); return 18 end },
	{ bit = 5, fn = function(t, b, o)
		t:add_le(f.cause, b(o, 8)); t:add_le(f.tval, b(o + 8, 8))
		t:add(f.target, b(o + 16, 1)); t:add_le(f.newpc, b(o + 17, 8)); return 25 end },
	{ bit = 6, fn = function(t, b, o) t:add_le(f.addr, b(o, 8)); return 8 end },
	{ bit = 7, fn = function(t, b, o) t:add_le(f.value, b(o, 8)); return 8 end },
	{ bit = 8, fn = function(t, b, o) t:add(f.size, b(o, 1)); t:add(f.write, b(o + 1, 1)); return 2 end },
	{ bit = 9, fn = function(t, b, o)
		local n = b(o, 2):le_uint(); t:add(f.device, b(o + 2, n)); return 2 + n end },
	{ bit = 10, fn = function(t, b, o)
		local n = b(o, 4):le_uint(); if n > 0 then t:add(f.data, b(o + 4, n)) end; return 4 + n end },
	{ bit = 11, fn = function(t, b, o)
		local n = b(o, 4):le_uint(); if n > 0 then t:add(f.text, b(o + 4, n)) end; return 4 + n end },
}

-- Retire batches (kind 0x80): each event is coded against the one before
-- it; see "Retire batches" in docs/trace-format.md.
local function le_bytes(b, o, n)
	local v = UInt64(0)
	for i = n - 1, 0, -1 do v = v:lshift(8):bor(UInt64(b(o + i, 1):uint())) end
	return v
end
local function unzigzag(u)
	local v = u:rshift(1)
	if u:band(UInt64(1)) ~= UInt64(0) then v = v:bnot() end
	return v
end
local function uvarint(b, o)
	local v, shift = UInt64(0), 0
	while true do
		local c = b(o, 1):uint(); o = o + 1
		v = v:bor(UInt64(bit32.band(c, 0x7f)):lshift(shift)); shift = shift + 7
		if c < 0x80 then return v, o end
	end
end

-- skip_marks returns the offset after the marks (stalls, privileges) at o.
local function skip_marks(buf, o)
	while o < buf:len() and buf(o, 1):uint() == 0xff do
		local x = buf(o + 1, 1):uint(); o = o + 2
		if bit32.band(x, 1) ~= 0 then local _; _, o = uvarint(buf, o) end
		if bit32.band(x, 2) ~= 0 then o = o + 1 end
	end
	return o
end

local function dissect_batch(buf, pinfo, tree)
	local hart = buf(2, 2):le_uint()
	local count = buf(22, 4):le_uint()
	local t = tree:add(p, buf(), string.format("cosim retire batch: %d retirements", count))
	t:add(f.kind, buf(0, 1)); t:add(f.version, buf(1, 1)); t:add_le(f.hart, buf(2, 2))
	t:add_le(f.cycle, buf(6, 8)); t:add_le(f.instret, buf(14, 8)); t:add_le(f.count, buf(22, 4))
	t:add_le(f.hz, buf(26, 8)); t:add_le(f.pc, buf(34, 8)); t:add(f.priv, buf(42, 1))
	local pc, instret = buf(34, 8):le_uint64(), buf(14, 8):le_uint64()
	local addr = UInt64(0)
	local o = 43
	for i = 0, count - 1 do
		o = skip_marks(buf, o)
		local start = o
		local csr_at, fence_at
		local tag, meta = buf(o, 1):uint(), buf(o + 1, 1):uint()
		local nj, nv, reg = bit32.band(tag, 15), bit32.rshift(tag, 4), bit32.band(meta, 63)
		o = o + 2
		local jump = unzigzag(le_bytes(buf, o, nj)); o = o + nj
		if bit32.band(meta, 0x80) ~= 0 then
			local x = buf(o, 1):uint(); o = o + 1
			if bit32.band(x, 4) ~= 0 then csr_at = o; o = o + 10 end
			if bit32.band(x, 8) ~= 0 then
				local fb = buf(o, 1):uint()
				fence_at = { kind = bit32.band(fb, 15) }
				o = o + 1
				if bit32.band(fb, 0x40) ~= 0 then fence_at.addr = o; o = o + 8 end
				if bit32.band(fb, 0x80) ~= 0 then fence_at.value = o; o = o + 8 end
			end
		end
		local len = bit32.band(buf(o, 1):uint(), 3) == 3 and 4 or 2
		local insn_at = o
		o = o + len
		local value = unzigzag(le_bytes(buf, o, nv)); o = o + nv
		local mem_at
		if bit32.band(meta, 0x40) ~= 0 then
			local m = buf(o, 1):uint()
			local n, size = bit32.band(m, 15), bit32.lshift(1, bit32.band(bit32.rshift(m, 4), 3))
			addr = addr + unzigzag(le_bytes(buf, o + 1, n))
			mem_at = { kind = bit32.rshift(m, 6), size = size, data = o + 1 + n }
			o = o + 1 + n
			if mem_at.kind == 0 then -- a load whose data is the value
				mem_at.kind, mem_at.value = 1, value
				if size < 8 then mem_at.value = value:band(UInt64(2 ^ (8 * size) - 1)) end
			else
				o = o + size
			end
		end
		local e = t:add(f.event, buf(start, o - start), i)
		e:set_text(string.format("#%s pc=0x%s", tostring(instret + i), pc:tohex()))
		e:add(f.pc, buf(start, o - start), pc)
		e:add_le(f.insn, buf(insn_at, len))
		if reg ~= 0 then
			e:add(f.regfile, buf(start + 1, 1), reg >= 32 and 2 or 1)
			e:add(f.reg, buf(start + 1, 1), reg % 32)
			e:add(f.regval, buf(start, o - start), value)
		end
		if csr_at then
			e:add_le(f.csr, buf(csr_at, 2)); e:add_le(f.csrval, buf(csr_at + 2, 8))
		end
		if mem_at then
			e:add(f.memkind, buf(start, o - start), mem_at.kind)
			e:add(f.memaddr, buf(start, o - start), addr)
			e:add(f.memdata, buf(start, o - start), mem_at.value or le_bytes(buf, mem_at.data, mem_at.size))
		end
		if fence_at then
			local fe = e:add(f.fence, buf(start, o - start), fence_at.kind)
			if fence_at.addr then fe:add_le(f.addr, buf(fence_at.addr, 8)) end
			if fence_at.value then fe:add_le(f.value, buf(fence_at.value, 8)) end
		end
		pc = pc + len + jump
	end
	pinfo.cols.info = string.format("hart %d retire batch: %d retirements from pc=0x%s", hart, count, buf(34, 8):le_uint64():tohex())
	return buf:len()
end

function p.dissector(buf, pinfo, tree)
	if buf:len() < 22 then return 0 end
	if buf(0, 1):uint() == 0x80 then
		pinfo.cols.protocol = "cosim"
		return dissect_batch(buf, pinfo, tree)
	end
	pinfo.cols.protocol = "cosim"
	local kind = buf(0, 1):uint()
	local hart = buf(2, 2):le_uint()
	local flags = buf(4, 2):le_uint()
	local t = tree:add(p, buf(), "cosim " .. (kinds[kind] or "kind " .. kind))
	t:add(f.kind, buf(0, 1)); t:add(f.version, buf(1, 1)); t:add_le(f.hart, buf(2, 2))
	t:add_le(f.flags, buf(4, 2)); t:add_le(f.cycle, buf(6, 8)); t:add_le(f.instret, buf(14, 8))
	local o = 22
	for _, g in ipairs(groups) do
		if bit32.band(flags, bit32.lshift(1, g.bit)) ~= 0 then
			o = o + g.fn(t, buf, o)
		end
	end
	local who = hart == 0xffff and "board" or ("hart " .. hart)
	local info = who .. " " .. (kinds[kind] or "?")
	if bit32.band(flags, 2) ~= 0 then
		info = info .. string.format(" pc=0x%s", buf(22 + (bit32.band(flags, 1) ~= 0 and 8 or 0), 8):le_uint64():tohex())
	end
	pinfo.cols.info = info
	return buf:len()
end

DissectorTable.get("wtap_encap"):add(wtap.USER0, p)
