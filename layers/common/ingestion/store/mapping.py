"""Domain types to and from their pynamodb attributes, by the domain type's own fields.

A dataclass (Job, Shard, Sample) or a pydantic model (Throttle) is stored in a pynamodb container
(a Model or a MapAttribute) with an attribute of the same name for each field. Reading converts
each stored value by the field's annotation (numbers to int or float, strings to enums, lists to
tuples, maps to the nested type; a missing value takes the field's default); writing converts each
value to what its attribute holds. A field added to the domain type and to the model needs no
change here; tests/unit/test_store_mapping.py fails when the two disagree."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel
from pynamodb.attributes import Attribute, AttributeContainer, ListAttribute, MapAttribute

_SCALARS = (bool, int, float, str)  # an Enum that is also a str (StrEnum) is built from its value


@dataclasses.dataclass(frozen=True)
class DomainField:
    """One field of a domain type: its name, its resolved annotation, and its default if it has one."""

    name: str
    annotation: Any
    default: Callable[[], Any] | None  # None: the field is required
    load: Callable[[Any], Any]  # a stored value (not None) as a value of the annotation


def is_record(annotation: Any) -> bool:
    """A type stored as a map of its fields: a dataclass or a pydantic model."""
    return isinstance(annotation, type) and (
        dataclasses.is_dataclass(annotation) or issubclass(annotation, BaseModel)
    )


_FIELDS: dict[type, tuple[DomainField, ...]] = {}


def domain_fields(cls: type) -> tuple[DomainField, ...]:
    """The fields of a dataclass or pydantic model, in order, with their annotations resolved
    (worked out once per type: a job is read back on every batch)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(
            DomainField(name, annotation, default, _loader(annotation))
            for name, annotation, default in _read_fields(cls)
        )
    return found


def _read_fields(cls: type) -> list[tuple[str, Any, Callable[[], Any] | None]]:
    hints = get_type_hints(cls)
    if dataclasses.is_dataclass(cls):
        return [(f.name, hints[f.name], _dataclass_default(f)) for f in dataclasses.fields(cls)]
    if issubclass(cls, BaseModel):
        return [
            (name, hints[name], None if info.is_required() else _pydantic_default(info))
            for name, info in cls.model_fields.items()
        ]
    raise TypeError(f"{cls.__name__} is neither a dataclass nor a pydantic model")


def _dataclass_default(f: dataclasses.Field[Any]) -> Callable[[], Any] | None:
    if f.default is not dataclasses.MISSING:
        value = f.default
        return lambda: value
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory
    return None


def _pydantic_default(info: Any) -> Callable[[], Any]:
    return lambda: info.get_default(call_default_factory=True)


def optional_inner(annotation: Any) -> Any | None:
    """X for an `X | None` annotation, else None."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = get_args(annotation)
        if type(None) in args:
            (inner,) = (a for a in args if a is not type(None))
            return inner
    return None


@cache
def _loader(annotation: Any) -> Callable[[Any], Any]:
    """How a stored value becomes a value of this annotation (built once per annotation)."""
    inner = optional_inner(annotation)
    if inner is not None:
        load_inner = _loader(inner)
        return lambda value: None if value is None else load_inner(value)
    if get_origin(annotation) is tuple:
        item, rest = get_args(annotation)
        if rest is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is stored, not {annotation!r}")
        load_item = _loader(item)
        return lambda value: tuple(load_item(v) for v in value)
    if is_record(annotation):
        # (a record stored whole by its own attribute, such as a MappingAttribute, comes back as itself)
        return lambda value: value if isinstance(value, annotation) else from_attributes(annotation, value)
    if isinstance(annotation, type) and issubclass(annotation, (Enum, *_SCALARS)):
        return annotation
    raise TypeError(f"no stored form for {annotation!r}")


def from_attributes[T](cls: type[T], container: Any) -> T:
    """The domain value a pynamodb container (a model instance or a map attribute) holds."""
    values: dict[str, Any] = {}
    for f in domain_fields(cls):
        stored = getattr(container, f.name)
        if stored is None:
            values[f.name] = f.default() if f.default is not None else None
        else:
            values[f.name] = f.load(stored)
    return cls(**values)


def to_attributes[C: AttributeContainer](value: object, container: type[C]) -> C:
    """A pynamodb container (a model instance or a map attribute) holding a domain value."""
    attributes = container.get_attributes()
    return container(
        **{f.name: _dump(getattr(value, f.name), attributes[f.name]) for f in domain_fields(type(value))}
    )


def _dump(value: Any, attribute: Attribute[Any]) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(attribute, MapAttribute):
        return to_attributes(value, type(attribute))
    if isinstance(attribute, ListAttribute):
        element = attribute.element_type
        if element is not None and issubclass(element, MapAttribute):
            return [to_attributes(v, element) for v in value]
        return list(value)
    return value
