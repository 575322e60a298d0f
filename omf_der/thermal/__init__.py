"""Thermal devices as PNNL virtual batteries: bounds (AC, heat pump, fridge; water heater) and
their dispatch by PuLP linear programs in the priority WH > AC > HP."""

from .dispatch import OBJECTIVES, PRIORITY, Combined, DeviceDispatch, combine, dispatch_device, dispatch_in_priority
from .vbat import DeviceBounds, participation, thermostatic_bounds
from .water_heater import WaterHeaterBounds, mains_temperature_c, water_heater_bounds

__all__ = ["OBJECTIVES", "PRIORITY", "Combined", "DeviceBounds", "DeviceDispatch", "combine", "dispatch_device",
           "dispatch_in_priority", "participation", "thermostatic_bounds",
           "WaterHeaterBounds", "mains_temperature_c", "water_heater_bounds"]
