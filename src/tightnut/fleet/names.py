"""Words the fleet pages show for stored codes: classes, engines, systems, states and kinds."""

from __future__ import annotations

from tightnut.web.i18n import N_

VEHICLE_CLASSES = {
    "bus": N_("Bus"),
    "truck": N_("Truck"),
    "car": N_("Car"),
    "tractor": N_("Tractor"),
    "combine": N_("Combine harvester"),
    "dump_truck": N_("Dump truck"),
}
ENGINE_TYPES = {
    "diesel": N_("Diesel"),
    "petrol": N_("Petrol"),
    "cng": N_("CNG"),
    "lng": N_("LNG"),
    "lpg": N_("LPG"),
    "hybrid": N_("Hybrid"),
    "electric": N_("Electric"),
}
SYSTEMS = {
    "brakes": N_("Brakes"),
    "steering": N_("Steering"),
    "lights": N_("Lights"),
    "wheels": N_("Wheels"),
    "tyres": N_("Tyres"),
    "fuel": N_("Fuel system"),
    "gas": N_("Gas equipment"),
    "electric": N_("Electrical system"),
    "exhaust": N_("Exhaust"),
    "engine": N_("Engine"),
    "glass": N_("Glazing"),
    "mirrors": N_("Mirrors"),
    "wipers": N_("Wipers and washers"),
    "horn": N_("Horn"),
    "emergency": N_("Emergency equipment"),
    "exits": N_("Doors and emergency exits"),
    "seat_belts": N_("Seat belts"),
    "devices": N_("On-board devices"),
    "coupling": N_("Coupling"),
    "fire": N_("Fire safety"),
    "body": N_("Body"),
}
GATE_STATES = {
    "released": N_("released"),
    "ready": N_("ready"),
    "blocked": N_("blocked"),
    "not_inspected": N_("not inspected"),
    "out_of_service": N_("out of service"),
}
DEFECT_STATUSES = {
    "open": N_("opened"),
    "in_repair": N_("repair started"),
    "repaired": N_("repaired"),
    "closed": N_("closed"),
}
WORK_ORDER_STATUSES = {
    "open": N_("open"),
    "assigned": N_("assigned"),
    "in_progress": N_("in progress"),
    "done": N_("done, signed"),
    "cancelled": N_("cancelled"),
}
DUE_STATUSES = {
    "ok": N_("ok"),
    "due_soon": N_("due soon"),
    "due": N_("due"),
    "overdue": N_("overdue"),
    "invalid_input": N_("cannot be judged"),
}
EVENT_KINDS = {
    "out_of_service": N_("Taken out of service"),
    "returned_to_service": N_("Returned to service"),
    "depot_changed": N_("Moved to another depot"),
    "plate_changed": N_("Plate changed"),
    "vin_changed": N_("VIN changed"),
    "make_changed": N_("Make changed"),
    "model_changed": N_("Model changed"),
    "model_family_changed": N_("Model family changed"),
    "gas_cylinder_cert_due_changed": N_("Gas cylinder certification date changed"),
    "wheel_change": N_("Wheel changed"),
}
METERS = {"odometer_km": N_("Odometer"), "engine_hours": N_("Engine hours")}
