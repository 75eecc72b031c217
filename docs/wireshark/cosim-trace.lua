-- Wireshark/tshark dissector for cosim trace records (docs/trace-format.md).
-- Records sit in pcapng Enhanced Packet Blocks of link type LINKTYPE_USER0
-- (147). Use: tshark -X lua_script:docs/wireshark/cosim-trace.lua -r FILE
-- or copy this file into Wireshark's personal plugins folder.

local p = Proto("cosim", "cosim trace event")

local kinds = {
	[1] = "retire", [2] = "trap", [3] = "interrupt", [4] = "fence", [5] = "fence.i",
	[6] = "sfence.vma", [7] = "mmio", [8] = "console", [9] = "device", [10] = "meta",
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

function p.dissector(buf, pinfo, tree)
	if buf:len() < 22 then return 0 end
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
