package edi

// The definitions below are compact tables parsed once (see defs.go for the
// notation). Segment structures follow EDI-REFERENCE.md §1 (004010 structures
// from public guides); element types and lengths are the X12 004010 and
// EDIFACT D.96A dictionary values as far as they are known to us. Segments
// marked "approximate" carry loose types (AN, wide lengths) where the
// published dictionary could not be confirmed: they are checked for presence,
// count, characters and length only loosely. Code lists are given only for
// the elements that drive mapping or acknowledgment, with codes confirmed in
// EDI-REFERENCE.md (or common knowledge where it says so).

// x12SetTable: "ID GS01 Name|items". Items are SEG:req:max; loops are
// [TRIGGER:req:max items...] whose first item is the trigger segment.
var x12SetTable = []string{
	"816 OR Organizational Relationships|ST:M:1 BHT:M:1 DTM:O:10 REF:O:12 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 PER:O:3 REF:O:12] " +
		"[HL:M:999999 HL:M:1 [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 PER:O:3 REF:O:12 QTY:O:5 DTM:O:10 LQ:O:99 ASI:O:1]] SE:M:1",
	"889 QG Promotion Announcement|ST:M:1 G42:M:1 N9:O:10 G61:O:3 G62:O:50 NTE:O:300 G43:O:1000 G23:O:1 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 G62:O:10] [G94:O:20 G94:M:1 G95:O:99] " +
		"[LX:O:9999 LX:M:1 G46:O:20 G51:O:1 [G94:O:20 G94:M:1 [G95:O:99 G95:M:1 G62:O:2]] " +
		"[G45:O:9999 G45:M:1 G69:O:5 G43:O:1 G51:O:10 G23:O:1 G62:O:10 G22:O:1 QTY:O:10]] SE:M:1",
	"845 PA Price Authorization Acknowledgment/Status|ST:M:1 BPA:M:1 CUR:O:1 NTE:O:10 REF:O:12 PER:O:3 DTM:O:10 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[CON:M:10000 CON:M:1 REF:O:12 PER:O:3 DTM:O:10 CTB:O:10 ITD:O:1 [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3 CTB:O:10] " +
		"[PAD:O:10000 PAD:M:1 CTB:O:10 PID:O:10 MEA:O:10 UIT:O:1 QTY:O:10 AMT:O:10 CUR:O:1 SSS:O:10 SHP:O:10 DTM:O:10 " +
		"[LIN:O:1000 LIN:M:1 G53:O:1 SLN:O:100] [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[CTP:O:100 CTP:M:1 DTM:O:10 CTB:O:10 [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3]]]] CTT:O:1 SE:M:1",
	"844 CF Product Transfer Account Adjustment|ST:M:1 BAA:M:1 CUR:O:1 NTE:O:10 REF:O:12 PER:O:3 DTM:O:10 " +
		"[N1:O:50 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[CON:M:10000 CON:M:1 REF:O:12 PER:O:3 DTM:O:10 [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3 [SII:O:100 SII:M:1 N9:O:10]] " +
		"[PAD:O:1000 PAD:M:1 LIN:O:1 PID:O:10 MEA:O:10 UIT:O:1 QTY:O:10 AMT:O:10 RCD:O:10 REF:O:12 DTM:O:10 CUR:O:1 SSS:O:10]] CTT:O:1 AMT:O:5 SE:M:1",
	"849 CF Response to Product Transfer Account Adjustment|ST:M:1 BRC:M:1 AAA:O:10 CUR:O:1 NTE:O:10 REF:O:12 PER:O:3 DTM:O:10 " +
		"[N1:O:50 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[CON:M:10000 CON:M:1 AAA:O:10 REF:O:12 PER:O:3 DTM:O:10 [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3 [SII:O:100 SII:M:1 N9:O:10]] " +
		"[PAD:O:1000 PAD:M:1 AAA:O:10 LIN:O:1 PID:O:10 MEA:O:10 UIT:O:1 QTY:O:10 AMT:O:10 RCD:O:10 REF:O:12 DTM:O:10 CUR:O:1 SSS:O:10]] CTT:O:1 AMT:O:5 SE:M:1",
	"867 PT Product Transfer and Resale Report|ST:M:1 BPT:M:1 CUR:O:1 DTM:O:10 REF:O:12 PER:O:3 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[PTD:M:99999999 PTD:M:1 DTM:O:10 REF:O:20 PRF:O:1 PER:O:3 [N1:O:5 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:20 PER:O:3 SII:O:10] " +
		"[QTY:O:99999999 QTY:M:1 LIN:O:1 SII:O:10 UIT:O:1 PID:O:10 AMT:O:10 REF:O:20 DTM:O:10 CUR:O:1]] CTT:O:1 SE:M:1",
	"850 PO Purchase Order|ST:M:1 BEG:M:1 CUR:O:1 REF:O:12 PER:O:3 DTM:O:10 ITD:O:5 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[PO1:M:100000 PO1:M:1 CUR:O:1 [PID:O:1000 PID:M:1 MEA:O:10] REF:O:12 DTM:O:10 [CTP:O:25 CTP:M:1] [N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3]] " +
		"[CTT:O:1 CTT:M:1 AMT:O:1] SE:M:1",
	"855 PR Purchase Order Acknowledgment|ST:M:1 BAK:M:1 CUR:O:1 REF:O:12 PER:O:3 DTM:O:10 " +
		"[N1:O:200 N1:M:1 N2:O:2 N3:O:2 N4:O:1 REF:O:12 PER:O:3] " +
		"[PO1:O:100000 PO1:M:1 CUR:O:1 [PID:O:1000 PID:M:1 MEA:O:10] REF:O:12 DTM:O:10 [ACK:O:104 ACK:M:1 DTM:O:10]] " +
		"[CTT:O:1 CTT:M:1 AMT:O:1] SE:M:1",
	"997 FA Functional Acknowledgment|ST:M:1 AK1:M:1 [AK2:O:999999 AK2:M:1 [AK3:O:999999 AK3:M:1 AK4:O:99] AK5:M:1] AK9:M:1 SE:M:1",
	"999 FA Implementation Acknowledgment|ST:M:1 AK1:M:1 [AK2:O:999999 AK2:M:1 [IK3:O:999999 IK3:M:1 CTX:O:10 [IK4:O:99 IK4:M:1 CTX:O:10]] IK5:M:1] AK9:M:1 SE:M:1",
}

// x12SegmentTable: element notation "ref:type:min:max:req[:repeat]" and
// composites "ref{components}:req". Requirement X (relational) is treated as
// optional.
//
// Checked against public machine-readable dictionaries (2026-11-23):
//   - G42, G46, G51, G94, G95: element ids, requirements, types and lengths
//     from apimeister/x12-types:src/v005010/segment/g.rs@7e43639d (005010),
//     and positions, requirements and lengths from
//     bots-edi/bots-grammars:x12/4010/records004010.py@6c1d8a54 (004010);
//     the two agree. G42 has three elements, not five; G46, G51, G94 and G95
//     were wrong throughout and are replaced.
//   - CON: ids from apimeister/x12-types:src/v005010/segment/c.rs@f2b75281,
//     positions and lengths from records004010.py (three elements; CON03 is
//     846, mandatory). CON02 is 1/30 in 004010, 1/50 in 005010: 1/50 kept,
//     as for REF02.
//   - SSS: apimeister/x12-types:src/v005010/segment/s.rs@f2b75281 only
//     (005010); not confirmed for 004010.
//   - BAA, BRC: positions, requirements, types and lengths from
//     records004010.py (BAA03 and BRC02 are the date, mandatory). BAA's ids
//     (353, 640, 373, 128, 127, 337) and its note P0405 are confirmed by
//     kasoftware.com's segment dictionary (00305, 00307) and stedi.com
//     (004050); BRC's (353, 373, 128, 127, 337) follow the same layout and
//     are not confirmed on their own.
//   - CTB: positions, requirements, types and lengths from
//     records004010.py (CTB01 2/2, CTB06 N2 1/15); ids not confirmed.
//   - PAD: five elements, ids, types and lengths from the 004010 segment
//     dictionary as published by kasoftware.com (schema/edi/x12/00401/
//     segments/PAD: 350, 521, 670, 648, 649), positions and lengths agreeing
//     with records004010.py; syntax notes R0102 and P0405 from stedi.com.
//   - RCD: 21 elements (C001 composites at 03, 05, 07, 10, 13, 16, 19) from
//     records004010.py; ids 350, 663, 664, 667 (five times, each with its
//     C001 and 412) and 380 from kasoftware.com (00301, the same layout) and
//     doc.chinlinktech.com (003070). Syntax notes from stedi.com: R020406,
//     and C for the unit after each quantity (003030 says C, 004020 P for
//     RCD02/03; C is the one every file valid under either passes).
//
// bots-grammars gives M/C and lengths but folds ID into AN and N0 into R;
// types come from x12-types.
var x12SegmentTable = map[string]string{
	"ST":  "143:ID:3:3:M 329:AN:4:9:M 1705:AN:1:35:O",
	"SE":  "96:N0:1:10:M 329:AN:4:9:M",
	"BHT": "1005:ID:4:4:M 353:ID:2:2:M 127:AN:1:50:M 373:DT:8:8:M 337:TM:4:8:O 640:ID:2:2:O",
	"DTM": "374:ID:3:3:M 373:DT:8:8:X 337:TM:4:8:X 623:ID:2:2:O 1250:ID:2:3:X 1251:AN:1:35:X",
	"REF": "128:ID:2:3:M 127:AN:1:50:X 352:AN:1:80:X C040{128:ID:2:3:M 127:AN:1:50:M 128:ID:2:3:X 127:AN:1:50:X 128:ID:2:3:X 127:AN:1:50:X}:O",
	"N1":  "98:ID:2:3:M 93:AN:1:60:X 66:ID:1:2:X 67:AN:2:80:X 706:ID:2:2:O 98:ID:2:3:O",
	"N2":  "93:AN:1:60:M 93:AN:1:60:O",
	"N3":  "166:AN:1:55:M 166:AN:1:55:O",
	"N4":  "19:AN:2:30:O 156:ID:2:2:O 116:ID:3:15:O 26:ID:2:3:O 309:ID:1:2:X 310:AN:1:30:X 1715:ID:1:3:O",
	"PER": "366:ID:2:2:M 93:AN:1:60:O 365:ID:2:2:X 364:AN:1:256:X 365:ID:2:2:X 364:AN:1:256:X 365:ID:2:2:X 364:AN:1:256:X 443:AN:1:20:O",
	"HL":  "628:AN:1:12:M 734:AN:1:12:O 735:ID:1:2:M 736:ID:1:1:O",
	"QTY": "673:ID:2:2:M 380:R:1:15:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O}:O 61:AN:1:30:X",
	"LQ":  "1270:ID:1:3:O 1271:AN:1:30:X",
	"ASI": "306:ID:1:2:M 875:ID:3:3:M 1019:ID:3:3:O",
	"NTE": "363:ID:3:3:O 352:AN:1:80:M",
	"N9":  "128:ID:2:3:M 127:AN:1:50:X 369:AN:1:45:X 373:DT:8:8:O 337:TM:4:8:O 623:ID:2:2:O",
	"CUR": "98:ID:2:3:M 100:ID:3:3:M 280:R:4:10:O",
	// 889 promotion segments (approximate, see the file comment)
	"G42": "423:ID:2:2:M 341:AN:1:16:M 640:ID:2:2:O",
	"G61": "366:ID:2:2:M 93:AN:1:60:M 365:ID:2:2:X 364:AN:1:256:X 443:AN:1:20:O",
	"G62": "432:ID:2:2:X 373:DT:8:8:X 176:ID:1:1:X 337:TM:4:8:X 623:ID:2:2:O",
	"G43": "309:ID:1:2:M 310:AN:1:30:M 352:AN:1:80:O",
	"G23": "336:ID:2:2:M 333:ID:1:2:O 370:DT:8:8:O 338:R:1:6:O 351:N0:1:3:O 446:DT:8:8:O 386:N0:1:3:O 362:R:1:10:O",
	"G94": "293:ID:2:2:O 770:AN:1:20:M",
	"G95": "293:ID:2:2:O 422:ID:2:2:M 554:N0:1:6:O 380:R:1:15:X 355:ID:2:2:X 352:AN:1:80:O 1470:N0:1:9:O",
	"LX":  "554:N0:1:6:M",
	"G46": "340:ID:1:3:M 331:ID:2:2:M 359:R:1:15:X 355:ID:2:2:X 610:N2:1:15:X 378:ID:1:1:X 332:R:1:6:X 769:AN:1:16:O 770:AN:1:20:O 352:AN:1:80:O 236:ID:3:3:O 1470:N0:1:9:O",
	"G51": "773:N0:1:9:X 355:ID:2:2:X 768:N0:1:9:M 355:ID:2:2:M 438:AN:12:12:O 766:AN:12:12:O 235:ID:2:2:X 234:AN:1:48:X",
	"G45": "235:ID:2:2:M 234:AN:1:48:M 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X",
	"G69": "352:AN:1:80:M",
	"G22": "212:R:1:17:M 355:ID:2:2:O 352:AN:1:80:O",
	// 845, 844, 849
	"BPA": "353:ID:2:2:M 373:DT:8:8:M 306:ID:1:2:O 127:AN:1:50:O",
	"CON": "128:ID:2:3:M 127:AN:1:50:M 846:ID:2:2:M",
	"CTB": "688:ID:2:2:M 352:AN:1:80:X 673:ID:2:2:X 380:R:1:15:X 522:ID:1:3:X 610:N2:1:15:X",
	"ITD": "336:ID:2:2:O 333:ID:1:2:O 338:R:1:6:O 370:DT:8:8:O 351:N0:1:3:O 446:DT:8:8:O 386:N0:1:3:O 362:N2:1:10:O 388:N2:1:10:O 389:N0:1:3:O 342:DT:8:8:O 352:AN:1:80:O",
	"PAD": "350:AN:1:20:X 521:ID:2:2:X 670:ID:2:2:O 648:ID:3:3:X 649:R:1:10:X",
	"PID": "349:ID:1:1:M 750:ID:2:3:O 559:ID:2:2:X 751:AN:1:12:X 352:AN:1:80:X 752:ID:2:2:O 822:AN:1:15:O 1073:ID:1:1:O 819:ID:2:3:O",
	"MEA": "737:ID:2:2:O 738:ID:1:3:O 739:R:1:20:X C001{355:ID:2:2:M}:X 740:R:1:20:X 741:R:1:20:X 935:ID:2:2:O 936:ID:1:2:X 752:ID:2:2:O",
	"UIT": "C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O}:M 212:R:1:17:X 639:ID:2:2:O",
	"AMT": "522:ID:1:3:M 782:R:1:18:M 478:ID:1:1:O",
	"SSS": "248:ID:1:1:M 559:ID:2:2:M 560:ID:2:10:M 561:AN:1:45:O 359:R:1:15:O 610:N2:1:15:O 352:AN:1:80:O 380:R:1:15:O 822:AN:1:15:O",
	"SHP": "673:ID:2:2:O 380:R:1:15:X 374:ID:3:3:X 373:DT:8:8:X 337:TM:4:8:O 373:DT:8:8:O 337:TM:4:8:O",
	"LIN": "350:AN:1:20:O 235:ID:2:2:M 234:AN:1:48:M 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X",
	"G53": "875:ID:3:3:M",
	"SLN": "350:AN:1:20:M 350:AN:1:20:O 662:ID:1:1:M 380:R:1:15:X C001{355:ID:2:2:M}:X 212:R:1:17:X 639:ID:2:2:O 662:ID:1:1:O 235:ID:2:2:X 234:AN:1:48:X",
	"CTP": "687:ID:2:2:O 236:ID:3:3:X 212:R:1:17:X 380:R:1:15:X C001{355:ID:2:2:M}:X 648:ID:3:3:O 649:R:1:10:X 782:R:1:18:O 639:ID:2:2:O",
	"CTT": "354:N0:1:6:M 347:R:1:10:O 81:R:1:10:X 355:ID:2:2:X 183:R:1:8:X 355:ID:2:2:X 352:AN:1:80:O",
	"BAA": "353:ID:2:2:M 640:ID:2:2:M 373:DT:8:8:M 128:ID:2:3:X 127:AN:1:50:X 337:TM:4:8:O",
	"BRC": "353:ID:2:2:M 373:DT:8:8:M 128:ID:2:3:X 127:AN:1:50:X 337:TM:4:8:O",
	"SII": "235:ID:2:2:M 234:AN:1:48:M 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X",
	"RCD": "350:AN:1:20:O 663:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 664:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 667:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 412:ID:2:2:X 667:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 412:ID:2:2:X 667:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 412:ID:2:2:X 667:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 412:ID:2:2:X 667:R:1:9:X C001{355:ID:2:2:M 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O 355:ID:2:2:O 1018:R:1:15:O 649:R:1:10:O}:X 412:ID:2:2:X 380:R:1:15:O",
	"AAA": "1073:ID:1:1:M 559:ID:2:2:O 901:ID:2:2:O 889:ID:1:1:O",
	"BPT": "353:ID:2:2:M 127:AN:1:50:M 373:DT:8:8:M 755:ID:2:2:O 380:R:1:15:O 355:ID:2:2:O 127:AN:1:50:O",
	"PTD": "521:ID:2:2:M 373:DT:8:8:O 128:ID:2:3:X 127:AN:1:50:X 752:ID:2:2:O",
	"PRF": "324:AN:1:22:M 328:AN:1:30:O 327:AN:1:8:O 373:DT:8:8:O 650:AN:1:30:O 367:AN:1:30:O 92:ID:2:2:O",
	// 850, 855
	"BEG": "353:ID:2:2:M 92:ID:2:2:M 324:AN:1:22:M 328:AN:1:30:O 373:DT:8:8:M 367:AN:1:30:O 587:ID:2:2:O",
	"PO1": "350:AN:1:20:O 330:R:1:15:X 355:ID:2:2:X 212:R:1:17:X 639:ID:2:2:O 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X 235:ID:2:2:X 234:AN:1:48:X",
	"BAK": "353:ID:2:2:M 587:ID:2:2:M 324:AN:1:22:M 373:DT:8:8:M 328:AN:1:30:O 326:AN:1:45:O 367:AN:1:30:O 373:DT:8:8:O",
	"ACK": "668:ID:2:2:M 380:R:1:15:X 355:ID:2:2:X 374:ID:3:3:X 373:DT:8:8:O 326:AN:1:45:O 235:ID:2:2:X 234:AN:1:48:X",
	// acknowledgments
	"AK1": "479:ID:2:2:M 28:N0:1:9:M 480:AN:1:12:O",
	"AK2": "143:ID:3:3:M 329:AN:4:9:M 1705:AN:1:35:O",
	"AK3": "721:ID:2:3:M 719:N0:1:10:M 447:AN:1:4:O 720:ID:1:3:O",
	"AK4": "C030{722:N0:1:2:M 1528:N0:1:2:O 1686:N0:1:4:O}:M 725:N0:1:4:O 723:ID:1:3:M 724:AN:1:99:O",
	"AK5": "717:ID:1:1:M 718:ID:1:3:O 718:ID:1:3:O 718:ID:1:3:O 718:ID:1:3:O 718:ID:1:3:O",
	"AK9": "715:ID:1:1:M 97:N0:1:6:M 123:N0:1:6:M 2:N0:1:6:M 716:ID:1:3:O 716:ID:1:3:O 716:ID:1:3:O 716:ID:1:3:O 716:ID:1:3:O",
	"IK3": "721:ID:2:3:M 719:N0:1:10:M 447:AN:1:4:O 620:ID:1:3:M",
	"IK4": "C030{722:N0:1:2:M 1528:N0:1:2:O 1686:N0:1:4:O}:M 725:N0:1:4:O 621:ID:1:3:M 724:AN:1:99:O",
	"IK5": "717:ID:1:1:M 618:ID:1:3:O 618:ID:1:3:O 618:ID:1:3:O 618:ID:1:3:O 618:ID:1:3:O",
	"CTX": "C998{9999:AN:1:35:M 1271:AN:1:35:O}:M 721:ID:2:3:O 719:N0:1:10:O 447:AN:1:4:O C030{722:N0:1:2:M 1528:N0:1:2:O 1686:N0:1:4:O}:O C999{725:N0:1:4:M 725:N0:1:4:O}:O",
	"TA1": "I12:N0:9:9:M I08:DT:6:6:M I09:TM:4:4:M I17:ID:1:1:M I18:ID:3:3:M",
}

// x12Notes are the syntax notes (relational conditions) of the segments
// whose notes are well known; see Note.
var x12Notes = map[string]string{
	"N1":  "P0304 R0203",
	"PER": "P0304 P0506 P0708",
	"G61": "P0304",
	"REF": "R0203",
	"N9":  "R0203",
	"DTM": "R020305 C0403 P0506",
	"G62": "R0103 P0102 P0304",
	"QTY": "R0204 E0204",
	"LIN": "P0405 P0607 P0809 P1011",
	"PO1": "C0302 P0607 P0809 P1011",
	"G45": "P0304 P0506",
	"SII": "P0304 P0506",
	"PAD": "R0102 P0405",
	"BAA": "P0405",
	"RCD": "R020406 C0203 C0405 C060708 C091011 C121314 C151617 C181920",
}

var x12Codes = map[string]string{
	"BHT02": "00 01 04 05",
	"BPA01": "00 01 04 05",
	"BPT01": "00 01 04 05",
	"BAA01": "00 01 04 05",
	"BRC01": "00 01 04 05",
	"BEG01": "00 01 04 05",
	"BAK01": "00 01 04 05",
	"N101":  "40 41 BT BY DB DS EN MF PR RE SE SF ST SU VN",
	"N103":  "1 9 91 92 UL ZZ",
	"PER03": "TE EM FX",
	"PER05": "TE EM FX",
	"PER07": "TE EM FX",
	"G6103": "TE EM FX",
	"ASI02": "001 021 024",
	"AAA01": "Y N",
	"BAK02": "AC AD AE AK RD RJ",
	"AK304": "1 2 3 4 5 6 7 8",
	"AK403": "1 2 3 4 5 6 7 8 9 10 12 13",
	"AK501": "A E M R W X",
	"AK502": "1 2 3 4 5 6 7 19 23",
	"AK503": "1 2 3 4 5 6 7 19 23",
	"AK504": "1 2 3 4 5 6 7 19 23",
	"AK505": "1 2 3 4 5 6 7 19 23",
	"AK506": "1 2 3 4 5 6 7 19 23",
	"AK901": "A E M P R W X",
	"AK905": "1 2 3 4 5 6 19",
	"AK906": "1 2 3 4 5 6 19",
	"AK907": "1 2 3 4 5 6 19",
	"AK908": "1 2 3 4 5 6 19",
	"AK909": "1 2 3 4 5 6 19",
	"IK304": "1 2 3 4 5 6 7 8 I4 I6 I7 I8 I9",
	"IK403": "1 2 3 4 5 6 7 8 9 10 12 13 I6 I9 I10 I11 I12 I13",
	"IK501": "A E M R W X",
	"IK502": "1 2 3 4 5 6 7 19 23 I5 I6",
	"IK503": "1 2 3 4 5 6 7 19 23 I5 I6",
	"IK504": "1 2 3 4 5 6 7 19 23 I5 I6",
	"IK505": "1 2 3 4 5 6 7 19 23 I5 I6",
	"IK506": "1 2 3 4 5 6 7 19 23 I5 I6",
	"TA104": "A E R",
	"TA105": "000 001 002 003 004 005 006 007 008 009 010 011 012 013 014 015 016 017 018 019 020 021 022 023 024 025 026 027 028 029 030 031",
}

// edifactSetTable: "TYPE - Name|items", UNH … UNT.
var edifactSetTable = []string{
	"PARTIN - Party information|UNH:M:1 BGM:M:1 DTM:O:5 FII:O:5 FTX:O:10 [NAD:O:5 NAD:M:1 [CTA:O:5 CTA:M:1 COM:O:5]] UNS:M:1 " +
		"[NAD:M:999999 NAD:M:1 DTM:O:5 FII:O:5 RFF:O:10 FTX:O:10 [CTA:O:10 CTA:M:1 COM:O:5]] UNT:M:1",
	"PRICAT - Price/sales catalogue|UNH:M:1 BGM:M:1 DTM:M:35 FTX:O:99 [RFF:O:99 RFF:M:1 DTM:O:5] " +
		"[NAD:O:99 NAD:M:1 [CTA:O:5 CTA:M:1 COM:O:5]] [CUX:O:5 CUX:M:1 DTM:O:5] " +
		"[LIN:O:999999 LIN:M:1 PIA:O:25 IMD:O:99 QTY:O:10 DTM:O:5 FTX:O:99 [PRI:O:99 PRI:M:1 CUX:O:1 DTM:O:5] [NAD:O:99 NAD:M:1 RFF:O:5]] UNS:O:1 CNT:O:5 UNT:M:1",
	"SLSRPT - Sales data report|UNH:M:1 BGM:M:1 DTM:M:5 [RFF:O:5 RFF:M:1 DTM:O:5] [NAD:O:99 NAD:M:1 RFF:O:5 [CTA:O:5 CTA:M:1 COM:O:5]] " +
		"[CUX:O:5 CUX:M:1 DTM:O:5] [LOC:M:999999 LOC:M:1 DTM:O:5 [LIN:O:999999 LIN:M:1 PIA:O:25 IMD:O:99 PRI:O:5 MOA:O:5 " +
		"[QTY:O:999999 QTY:M:1 DTM:O:5 NAD:O:5 RFF:O:5]]] UNT:M:1",
	"ORDERS - Purchase order|UNH:M:1 BGM:M:1 DTM:M:35 FTX:O:99 [RFF:O:10 RFF:M:1 DTM:O:5] " +
		"[NAD:O:99 NAD:M:1 LOC:O:25 [RFF:O:10 RFF:M:1 DTM:O:5] [CTA:O:5 CTA:M:1 COM:O:5]] [CUX:O:5 CUX:M:1 DTM:O:5] " +
		"[LIN:O:200000 LIN:M:1 PIA:O:25 IMD:O:99 QTY:O:99 DTM:O:35 MOA:O:10 FTX:O:99 [PRI:O:25 PRI:M:1 CUX:O:1 DTM:O:5] " +
		"[RFF:O:10 RFF:M:1 DTM:O:5] [NAD:O:99 NAD:M:1 LOC:O:5]] UNS:M:1 MOA:O:10 CNT:O:10 UNT:M:1",
	"CONTRL - Syntax and service report|UNH:M:1 UCI:M:1 [UCM:O:999999 UCM:M:1 [UCS:O:999 UCS:M:1 UCD:O:99]] UNT:M:1",
}

var edifactSegmentTable = map[string]string{
	"UNH": "0062:an:1:14:M S009{0065:an:1:6:M 0052:an:1:3:M 0054:an:1:3:M 0051:an:1:2:M 0057:an:1:6:C}:M 0068:an:1:35:C S010{0070:n:1:2:M 0073:a:1:1:C}:C",
	"UNT": "0074:n:1:6:M 0062:an:1:14:M",
	"BGM": "C002{1001:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C 1000:an:1:35:C}:C C106{1004:an:1:35:C 1056:an:1:9:C 1060:an:1:6:C}:C 1225:an:1:3:C 4343:an:1:3:C",
	"DTM": "C507{2005:an:1:3:M 2380:an:1:35:C 2379:an:1:3:C}:M",
	"NAD": "3035:an:1:3:M C082{3039:an:1:35:M 1131:an:1:3:C 3055:an:1:3:C}:C " +
		"C058{3124:an:1:35:M 3124:an:1:35:C 3124:an:1:35:C 3124:an:1:35:C 3124:an:1:35:C}:C " +
		"C080{3036:an:1:35:M 3036:an:1:35:C 3036:an:1:35:C 3036:an:1:35:C 3036:an:1:35:C 3045:an:1:3:C}:C " +
		"C059{3042:an:1:35:M 3042:an:1:35:C 3042:an:1:35:C 3042:an:1:35:C}:C 3164:an:1:35:C " +
		"C819{3229:an:1:9:C 1131:an:1:3:C 3055:an:1:3:C 3228:an:1:70:C}:C 3251:an:1:9:C 3207:an:1:3:C",
	"CTA": "3139:an:1:3:C C056{3413:an:1:17:C 3412:an:1:35:C}:C",
	"COM": "C076{3148:an:1:512:M 3155:an:1:3:M}:M:3",
	"FII": "3035:an:1:3:M C078{3194:an:1:17:C 3192:an:1:35:C 3192:an:1:35:C}:C " +
		"C088{3433:an:1:11:C 1131:an:1:3:C 3055:an:1:3:C 3434:an:1:17:C 1131:an:1:3:C 3055:an:1:3:C 3432:an:1:70:C 3436:an:1:70:C}:C 3207:an:1:3:C",
	"FTX": "4451:an:1:3:M 4453:an:1:3:C C107{4441:an:1:17:M 1131:an:1:3:C 3055:an:1:3:C}:C " +
		"C108{4440:an:1:512:M 4440:an:1:512:C 4440:an:1:512:C 4440:an:1:512:C 4440:an:1:512:C}:C 3453:an:1:3:C",
	"RFF": "C506{1153:an:1:3:M 1154:an:1:70:C 1156:an:1:6:C 4000:an:1:35:C}:M",
	"CUX": "C504{6347:an:1:3:M 6345:an:1:3:C 6343:an:1:3:C 6348:n:1:4:C}:C C504{6347:an:1:3:M 6345:an:1:3:C 6343:an:1:3:C 6348:n:1:4:C}:C 5402:n:1:12:C 6341:an:1:3:C",
	"LIN": "1082:an:1:6:C 1229:an:1:3:C C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C C829{5495:an:1:3:M 1082:an:1:6:C}:C 1222:n:1:2:C 7083:an:1:3:C",
	"PIA": "4347:an:1:3:M C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:M " +
		"C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C " +
		"C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C C212{7140:an:1:35:C 7143:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C",
	"IMD": "7077:an:1:3:C C272{7081:an:1:3:C 1131:an:1:3:C 3055:an:1:3:C}:C C273{7009:an:1:17:C 1131:an:1:3:C 3055:an:1:3:C 7008:an:1:256:C 7008:an:1:256:C 3453:an:1:3:C}:C 7383:an:1:3:C",
	"QTY": "C186{6063:an:1:3:M 6060:n:1:15:M 6411:an:1:3:C}:M",
	"PRI": "C509{5125:an:1:3:M 5118:n:1:15:C 5375:an:1:3:C 5387:an:1:3:C 5284:n:1:9:C 6411:an:1:3:C}:C 5213:an:1:3:C",
	"MOA": "C516{5025:an:1:3:M 5004:n:1:18:C 6345:an:1:3:C 6343:an:1:3:C 4405:an:1:3:C}:M",
	"LOC": "3227:an:1:3:M C517{3225:an:1:25:C 1131:an:1:3:C 3055:an:1:3:C 3224:an:1:70:C}:C " +
		"C519{3223:an:1:25:C 1131:an:1:3:C 3055:an:1:3:C 3222:an:1:70:C}:C C553{3233:an:1:25:C 1131:an:1:3:C 3055:an:1:3:C 3232:an:1:70:C}:C 5479:an:1:3:C",
	"UNS": "0081:a:1:1:M",
	"CNT": "C270{6069:an:1:3:M 6066:n:1:18:M 6411:an:1:3:C}:M",
	"UCI": "0020:an:1:14:M S002{0004:an:1:35:M 0007:an:1:4:C 0008:an:1:14:C}:M S003{0010:an:1:35:M 0007:an:1:4:C 0014:an:1:14:C}:M " +
		"0083:an:1:3:M 0085:an:1:3:C 0013:an:1:3:C S011{0098:n:1:3:M 0104:n:1:3:C}:C",
	"UCM": "0062:an:1:14:M S009{0065:an:1:6:M 0052:an:1:3:M 0054:an:1:3:M 0051:an:1:2:M 0057:an:1:6:C}:M 0083:an:1:3:M 0085:an:1:3:C 0013:an:1:3:C S011{0098:n:1:3:M 0104:n:1:3:C}:C",
	"UCS": "0096:n:1:6:M 0085:an:1:3:C",
	"UCD": "0085:an:1:3:M S011{0098:n:1:3:M 0104:n:1:3:C}:M",
}

var edifactCodes = map[string]string{
	"BGM03": "1 2 3 4 5 6 7 9 31",
	"UNS01": "D S",
	"UCI04": "4 7 8",
	"UCM03": "4 7",
}
