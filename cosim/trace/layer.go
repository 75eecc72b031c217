package trace

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// LayerTypeEvent is the gopacket layer of one trace record. Number 1947 is
// outside the range gopacket reserves for its own layers (below 1000).
var LayerTypeEvent = gopacket.RegisterLayerType(1947, gopacket.LayerTypeMetadata{
	Name:    "CosimEvent",
	Decoder: gopacket.DecodeFunc(decodeEventLayer),
})

// LayerTypeRetireBatch is the gopacket layer of a retire batch record.
var LayerTypeRetireBatch = gopacket.RegisterLayerType(1948, gopacket.LayerTypeMetadata{
	Name:    "CosimRetireBatch",
	Decoder: gopacket.DecodeFunc(decodeBatchLayer),
})

func init() {
	// Let gopacket.NewPacketSource(reader, reader.LinkType()) decode our
	// link type, unless something else already claimed LINKTYPE_USER0.
	if linkTypeFree(LinkType) {
		layers.LinkTypeMetadata[LinkType] = layers.EnumMetadata{
			DecodeWith: gopacket.DecodeFunc(decodeEventLayer),
			Name:       "CosimEvent",
			LayerType:  LayerTypeEvent,
		}
	}
}

// linkTypeFree reports whether gopacket has no decoder for lt.
func linkTypeFree(lt layers.LinkType) bool {
	return int(lt) < len(layers.LinkTypeMetadata) && layers.LinkTypeMetadata[lt].DecodeWith == nil
}

// EventLayer is a decoded trace record as a gopacket layer.
type EventLayer struct {
	Record
	contents []byte
}

// LayerContents returns the record's bytes.
func (l *EventLayer) LayerContents() []byte { return l.contents }

// LayerPayload returns nothing: a record is the whole packet.
func (l *EventLayer) LayerPayload() []byte { return nil }

// Payload returns nothing (ApplicationLayer).
func (l *EventLayer) Payload() []byte { return nil }

// LayerType returns LayerTypeEvent.
func (l *EventLayer) LayerType() gopacket.LayerType { return LayerTypeEvent }

// CanDecode returns LayerTypeEvent.
func (l *EventLayer) CanDecode() gopacket.LayerClass { return LayerTypeEvent }

// NextLayerType returns LayerTypeZero: nothing follows a record.
func (l *EventLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes one record.
func (l *EventLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := DecodeRecord(data, &l.Record); err != nil {
		df.SetTruncated()
		return err
	}
	l.contents = data
	return nil
}

// RetireBatchLayer is a decoded retire batch record: the retire events it
// holds, in order.
type RetireBatchLayer struct {
	Records  []Record
	contents []byte
}

// LayerContents returns the record's bytes.
func (l *RetireBatchLayer) LayerContents() []byte { return l.contents }

// LayerPayload returns nothing: a record is the whole packet.
func (l *RetireBatchLayer) LayerPayload() []byte { return nil }

// Payload returns nothing (ApplicationLayer).
func (l *RetireBatchLayer) Payload() []byte { return nil }

// LayerType returns LayerTypeRetireBatch.
func (l *RetireBatchLayer) LayerType() gopacket.LayerType { return LayerTypeRetireBatch }

// CanDecode returns LayerTypeRetireBatch.
func (l *RetireBatchLayer) CanDecode() gopacket.LayerClass { return LayerTypeRetireBatch }

// NextLayerType returns LayerTypeZero: nothing follows a record.
func (l *RetireBatchLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes a retire batch record.
func (l *RetireBatchLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.Records = l.Records[:0]
	if err := DecodeBatch(data, func(r *Record) error {
		l.Records = append(l.Records, *r)
		return nil
	}); err != nil {
		df.SetTruncated()
		return err
	}
	l.contents = data
	return nil
}

func decodeBatchLayer(data []byte, p gopacket.PacketBuilder) error {
	l := &RetireBatchLayer{}
	if err := l.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(l)
	p.SetApplicationLayer(l)
	return nil
}

// decodeEventLayer decodes a packet of the link type: a record of one
// event, or a retire batch.
func decodeEventLayer(data []byte, p gopacket.PacketBuilder) error {
	if len(data) > 0 && data[0] == KindRetireBatch {
		return decodeBatchLayer(data, p)
	}
	l := &EventLayer{}
	if err := l.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(l)
	p.SetApplicationLayer(l)
	return nil
}
