package main

import "fmt"

// frame is one gRPC message left encoded, so calls are relayed without knowing their types.
type frame []byte

// rawCodec passes frames through unchanged (registered as "proto" so peers see the usual content type).
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return *f, nil
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	if f, ok := v.(*frame); ok {
		*f = append((*f)[:0], data...)
		return nil
	}
	return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
}

func (rawCodec) Name() string { return "proto" }
